import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KubeClient } from '../../src/kube/in-cluster.js';
import { KubeClientHolder } from '../../src/kube/kube-client-holder.js';
import {
  MissingPermissionError,
  POD_WATCH_FEATURE,
  TOKEN_REQUEST_FALLBACK_FEATURE,
  requireFeaturePermissions,
} from '../../src/kube/feature-permissions.js';
import { startFakeKubeApi, type FakeKubeApi } from '../support/kube-api/index.js';
import { capturedLogger, clientFor, TOKEN } from './kube-fixtures.js';

describe('requireFeaturePermissions', () => {
  let fake: FakeKubeApi;
  let client: KubeClient;
  before(async () => {
    fake = await startFakeKubeApi({ token: TOKEN });
    client = clientFor(fake);
  });
  after(async () => {
    await client.close();
    await fake.stop();
  });

  test('asks one SelfSubjectAccessReview per rule of the features switched on, and passes when allowed', async () => {
    const { logger, lines } = capturedLogger();
    const before = fake.requests.length;
    await requireFeaturePermissions(new KubeClientHolder(client), [POD_WATCH_FEATURE], logger);
    const reviews = fake.requests.slice(before);
    assert.deepEqual(
      reviews.map((r) => [r.method, r.path, r.status]),
      [
        ['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', 201],
        ['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', 201],
      ],
    );
    assert.deepEqual(lines, []);
  });

  test('no feature: no call at all', async () => {
    const before = fake.requests.length;
    await requireFeaturePermissions(new KubeClientHolder(client), [], capturedLogger().logger);
    assert.equal(fake.requests.length, before);
  });

  test('a denied rule stops the start, naming the flag, the rule and the Helm value that grants it', async () => {
    fake.denyAccess('watch', 'pods');
    fake.denyAccess('create', 'serviceaccounts/token');
    const holder = new KubeClientHolder(client);
    const features = [TOKEN_REQUEST_FALLBACK_FEATURE, POD_WATCH_FEATURE];
    await assert.rejects(requireFeaturePermissions(holder, features, capturedLogger().logger), (error) => {
      assert.ok(error instanceof MissingPermissionError);
      assert.match(error.message, /-token-request-fallback needs "create" on "serviceaccounts\/token"/);
      assert.match(error.message, /tokenRequestFallback\.enabled=true/);
      assert.match(error.message, /-revoke-leases-of-deleted-pods needs "watch" on "pods" in all namespaces/);
      assert.doesNotMatch(error.message, /"list" on "pods"/);
      assert.match(error.message, /leaseRevocation\.enabled=true/);
      return true;
    });
  });

  test('an unreachable API server is one warning, not a failed start', async () => {
    const unreachable = new KubeClient({ baseUrl: 'http://127.0.0.1:1', namespace: 'csi', token: TOKEN });
    const { logger, lines } = capturedLogger();
    await requireFeaturePermissions(new KubeClientHolder(unreachable), [POD_WATCH_FEATURE], logger);
    await unreachable.close();
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /could not check the provider's Kubernetes permissions/);
    assert.ok(!lines[0]!.includes(TOKEN));
  });
});
