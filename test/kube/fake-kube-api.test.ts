// The fake API server's shapes, checked against what the real server sends, so the client tests
// above exercise realistic answers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startFakeKubeApi, type FakeKubeApi } from '../support/kube-api/index.js';
import { TOKEN } from './kube-fixtures.js';

describe('fake Kubernetes API server', () => {
  let fake: FakeKubeApi;
  before(async () => {
    fake = await startFakeKubeApi({ token: TOKEN });
  });
  after(async () => {
    await fake.stop();
  });

  async function call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    token = TOKEN,
  ): Promise<{ status: number; json: unknown }> {
    const response = await request(`${fake.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.statusCode, json: await response.body.json() };
  }

  test('a wrong bearer token gets the 401 Unauthorized Status', async () => {
    assert.deepEqual(await call('GET', '/api/v1/pods', undefined, 'wrong'), {
      status: 401,
      json: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      },
    });
  });

  test('Secrets: NotFound details, 201 create with metadata, AlreadyExists, immutable update → 422, delete → Success', async () => {
    const path = '/api/v1/namespaces/csi/secrets';
    const missing = await call('GET', `${path}/k`);
    assert.deepEqual(missing.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'secrets "k" not found',
      reason: 'NotFound',
      details: { name: 'k', kind: 'secrets' },
      code: 404,
    });
    const manifest = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'k' },
      immutable: true,
      type: 'Opaque',
      data: { key: 'AAEC' },
    };
    const created = await call('POST', path, manifest);
    assert.equal(created.status, 201);
    const meta = (created.json as { metadata: Record<string, unknown> }).metadata;
    assert.equal(meta.namespace, 'csi');
    assert.match(String(meta.resourceVersion), /^\d+$/);
    assert.equal((await call('POST', path, manifest)).status, 409);
    assert.equal(
      (await call('POST', path, { ...manifest, metadata: { name: 'b64' }, data: { key: 'not base64!' } })).status,
      400,
    );

    const update = await call('PUT', `${path}/k`, { ...manifest, data: { key: 'AAED' } });
    assert.equal(update.status, 422);
    assert.equal((update.json as { reason: string }).reason, 'Invalid');
    assert.match(
      (update.json as { message: string }).message,
      /Secret "k" is invalid: data: Forbidden: field is immutable when `immutable` is set/,
    );

    const deleted = await call('DELETE', `${path}/k`);
    assert.equal(deleted.status, 200);
    assert.equal((deleted.json as { status: string }).status, 'Success');
  });

  test('PodList carries the collection resourceVersion; an unsupported field selector is a 400', async () => {
    fake.pods.addPod({ namespace: 'apps', name: 'p', uid: 'uid-p', nodeName: 'n1' });
    const list = await call('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1');
    assert.equal((list.json as { kind: string }).kind, 'PodList');
    assert.equal(
      (list.json as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
      fake.resourceVersion(),
    );
    assert.deepEqual(
      (list.json as { items: { metadata: { uid: string } }[] }).items.map((p) => p.metadata.uid),
      ['uid-p'],
    );
    const bad = await call('GET', '/api/v1/pods?fieldSelector=status.phase%3DRunning');
    assert.equal(bad.status, 400);
  });

  test('a watch from resourceVersion 0 starts with synthetic ADDED events; from a compacted one with an ERROR 410', async () => {
    const response = await request(`${fake.baseUrl}/api/v1/pods?watch=true&resourceVersion=0&timeoutSeconds=1`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const first = (await response.body.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    assert.ok(first.length >= 1 && first.every((event) => event.type === 'ADDED'));

    const old = String(Number(fake.resourceVersion()) - 1);
    fake.compactHistory();
    const expired = await request(`${fake.baseUrl}/api/v1/pods?watch=true&resourceVersion=${old}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(expired.statusCode, 200);
    const event = JSON.parse((await expired.body.text()).trim()) as {
      type: string;
      object: { code: number; reason: string };
    };
    assert.equal(event.type, 'ERROR');
    assert.equal(event.object.code, 410);
    assert.equal(event.object.reason, 'Expired');
  });

  test('TokenRequest below 10 minutes is 422 Invalid', async () => {
    const response = await call('POST', '/api/v1/namespaces/apps/serviceaccounts/default/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: ['vault'], expirationSeconds: 60 },
    });
    assert.equal(response.status, 422);
    assert.match((response.json as { message: string }).message, /may not specify a duration less than 10 minutes/);
  });
});
