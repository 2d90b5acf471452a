/**
 * The identity chain, real end to end: the API server mints each pod's token (a TokenRequest for
 * audience `vault` bound to the pod object, as kubelet asks for it), the driver emulator hands it
 * to the BUILT provider over its socket, the provider logs in to OpenBao, OpenBao asks this API
 * server (TokenReview) before it answers, and the files are written. Each TokenReview and its
 * verdict is read from the API server's audit log, each login from OpenBao's audit device.
 *
 * OpenBao runs outside the cluster, configured as docs/vault-setup.md says for that case: the
 * server's address and CA, and the token of a reviewer ServiceAccount bound to
 * system:auth-delegator. The app's ServiceAccounts are granted nothing in the cluster.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { PodFixture } from '../../support/cluster/pod.js';
import { DriverEmulator, FAST_RETRY_BACKOFF, readMountedFiles } from '../../support/driver/index.js';
import { realServersGate } from '../../real/support/binaries.js';
import { allSettled, Teardown } from '../../support/child-process.js';
import { startOpenBao, type OpenBao } from '../../real/support/openbao.js';
import { OpenBaoSetup } from '../../real/support/openbao-setup.js';
import { startProviderProcess, type ProviderProcess } from '../../real/support/provider-process.js';
import { kubeTierGate, SERVICE_ACCOUNT_ISSUER, startKubeApiServer, type KubeApiServer } from './support/api-server.js';
import {
  applyOrThrow,
  createNamespace,
  createPod,
  createServiceAccount,
  deletePod,
  deleteServiceAccount,
  requestToken,
  reviewToken,
  TokenReviewSchema,
} from './support/cluster.js';
import { asMintedEarlier, heldTokens, type HeldTokens } from './support/held-tokens.js';

const NODE = 'node-chain';
const REVIEWER = 'system:serviceaccount:openbao:token-reviewer';
const PASSWORD = randomBytes(12).toString('hex');
const OBJECTS = '- {objectName: password, secretPath: secret/data/app, secretKey: password}';

interface ServiceError {
  readonly code: number;
  readonly details: string;
}

/** Both tiers' binaries: each gate skips with its reason outside CI and throws under CI=true. */
function chainGate(): { skip?: string } {
  const skips = [kubeTierGate(), realServersGate()].flatMap((gate) => (gate.skip === undefined ? [] : [gate.skip]));
  return skips.length === 0 ? {} : { skip: skips.join('; ') };
}

describe('identity chain: API server token → provider → OpenBao → TokenReview → files', chainGate(), () => {
  const teardown = new Teardown();
  let server: KubeApiServer;
  let bao: OpenBao;
  let provider: ProviderProcess;
  let tokens: HeldTokens;
  let driver: DriverEmulator;
  let dir: string;
  let targets = 0;

  before(async () => {
    dir = await teardown.add(mkdtemp(join(tmpdir(), 'vcp-identity-chain-')), (path) =>
      rm(path, { recursive: true, force: true }),
    );
    [server, bao] = await allSettled([
      teardown.add(startKubeApiServer(), (started) => started.stop()),
      teardown.add(startOpenBao(), (started) => started.stop()),
    ] as const);

    // OpenBao's identity in the cluster: what its TokenReview calls authenticate as.
    await createNamespace(server.admin, 'openbao');
    await createServiceAccount(server.admin, 'openbao', 'token-reviewer');
    await applyOrThrow(server, [authDelegator('openbao-token-reviewer', 'openbao', 'token-reviewer')]);
    const reviewer = await requestToken(server.admin, { namespace: 'openbao', serviceAccountName: 'token-reviewer' });
    // The apps: `app` and `leaving` are bound by the role, `intruder` is not, `elsewhere` is not its namespace.
    for (const name of ['app', 'leaving', 'intruder']) await createServiceAccount(server.admin, 'default', name);
    await createNamespace(server.admin, 'elsewhere');
    await createServiceAccount(server.admin, 'elsewhere', 'app');

    const setup = new OpenBaoSetup(bao.root);
    const kubernetes = { kubernetesHost: server.url, kubernetesCaPem: server.caPem, issuer: SERVICE_ACCOUNT_ISSUER };
    await setup.enableKubernetesAuth('kubernetes', { ...kubernetes, tokenReviewerJwt: reviewer.token });
    await setup.enableKubernetesAuth('kubernetes-own-jwt', kubernetes);
    await setup.writeKv2('secret', 'app', { password: PASSWORD });
    await setup.writePolicy('app', { 'secret/data/app': ['read'] });
    const role = { serviceAccountNames: ['app', 'leaving'], namespaces: ['default'], policies: ['app'] };
    await setup.writeKubernetesRole('kubernetes', 'app', role);
    await setup.writeKubernetesRole('kubernetes-own-jwt', 'app', role);

    const providerDir = join(dir, 'provider');
    await mkdir(providerDir);
    provider = await teardown.add(
      startProviderProcess({ dir: providerDir, args: [`-vault-addr=${bao.address}`, '-hmac-key-source=random'] }),
      (started) => started.stop(),
    );
    // The CSIDriver's tokenRequests: `vault`, and `other` for the wrong-audience case.
    const audiences = ['vault', 'other'];
    tokens = heldTokens(server, audiences);
    const emulator = new DriverEmulator({
      socketPath: provider.socketPath,
      issuer: tokens,
      tokenAudiences: audiences,
      retryBackoff: FAST_RETRY_BACKOFF,
    });
    driver = await teardown.add(Promise.resolve(emulator), (started) => {
      started.close();
      return Promise.resolve();
    });
  });
  after(() => teardown.run());

  const appPod = (serviceAccountName: string, namespace = 'default') =>
    createPod(server.admin, { namespace, serviceAccountName, nodeName: NODE });

  async function mount(pod: PodFixture, parameters: Record<string, string> = {}) {
    const target = join(dir, 'targets', `t${++targets}`);
    await driver.mount(
      pod,
      { spc: { name: 'app', provider: 'vault', parameters: { roleName: 'app', objects: OBJECTS, ...parameters } } },
      target,
    );
    return readMountedFiles(target);
  }

  /** The TokenReviews the API server answered since `mark` (its count of audit events). */
  async function reviewsSince(mark: number) {
    const events = (await server.auditEvents()).slice(mark);
    return events
      .filter((event) => event.objectRef?.resource === 'tokenreviews')
      .map((event) => ({
        by: event.user.username,
        code: event.responseStatus?.code,
        // Only a review the server authenticated has an answer; a refused bearer gets 401.
        ...(event.responseObject === undefined ? {} : TokenReviewSchema.parse(event.responseObject).status),
      }));
  }
  const auditMark = async () => (await server.auditEvents()).length;

  /** Mounts, expecting the refusal of the login; returns the gRPC details and what both servers recorded. */
  async function refusedMount(pod: PodFixture, parameters: Record<string, string> = {}) {
    const [apiMark, baoMark] = [await auditMark(), bao.audit.mark()];
    let details = '';
    await assert.rejects(mount(pod, parameters), (error: ServiceError) => {
      assert.equal(error.code, status.UNAUTHENTICATED, error.details);
      details = error.details;
      return true;
    });
    const logins = bao.audit.responses({ since: baoMark, path: /^auth\/[^/]+\/login$/ });
    assert.equal(logins.length, 1, 'one login reached OpenBao');
    assert.ok(logins[0]!.error !== undefined, 'OpenBao refused it');
    assert.equal(bao.audit.logins({ since: baoMark }).length, 0, 'no Vault token was issued');
    assert.equal(bao.audit.reads({ since: baoMark }).length, 0, 'nothing was read');
    return { details, loginError: logins[0]!.error, reviews: await reviewsSince(apiMark) };
  }

  test('a bound pod: its API-server token logs in, OpenBao has the API server review it, the files are mounted', async () => {
    const pod = await appPod('app');
    const [apiMark, baoMark] = [await auditMark(), bao.audit.mark()];
    const files = await mount(pod);
    assert.equal(files.get('password')?.contents.toString(), PASSWORD);

    const reviews = await reviewsSince(apiMark);
    assert.equal(reviews.length, 1, 'one TokenReview on the API server');
    const review = reviews[0]!;
    assert.equal(review.by, REVIEWER, 'asked by OpenBao with its reviewer token');
    assert.equal(review.authenticated, true);
    assert.equal(review.user?.username, 'system:serviceaccount:default:app');
    assert.deepEqual(review.audiences, ['vault'], 'reviewed for the role’s audience');
    assert.deepEqual(review.user.extra?.['authentication.kubernetes.io/pod-uid'], [pod.uid], 'the token is the pod’s');

    const logins = bao.audit.logins({ since: baoMark, path: 'auth/kubernetes/login' });
    assert.equal(logins.length, 1, 'one login on OpenBao');
    const metadata = logins[0]!.response?.auth?.metadata ?? {};
    assert.equal(metadata.service_account_name, 'app');
    assert.equal(metadata.service_account_namespace, 'default');
    assert.equal(bao.audit.reads({ since: baoMark, path: 'secret/data/app', serviceAccount: 'app' }).length, 1);
  });

  test('a ServiceAccount the role does not bind: Unauthenticated, refused by OpenBao before any review', async () => {
    const refused = await refusedMount(await appPod('intruder'));
    assert.match(
      refused.details,
      /login: Vault refused auth\/kubernetes\/login .* for service account default\/intruder/,
    );
    assert.match(refused.loginError, /service account name not authorized/);
    assert.deepEqual(refused.reviews, []);
  });

  test('the bound name in another namespace: Unauthenticated, refused by OpenBao before any review', async () => {
    const refused = await refusedMount(await appPod('app', 'elsewhere'));
    assert.match(refused.details, /for service account elsewhere\/app/);
    assert.match(refused.loginError, /namespace not authorized/);
    assert.deepEqual(refused.reviews, []);
  });

  test('a token minted for another audience: Unauthenticated, its aud is not the role’s', async () => {
    // The SPC picks the driver's token for `other`: a real TokenRequest for that audience.
    const refused = await refusedMount(await appPod('app'), { audience: 'other' });
    assert.match(refused.details, /accepts the token audience "other"/);
    assert.match(refused.loginError, /invalid audience \(aud\) claim/);
    assert.deepEqual(refused.reviews, []);
  });

  test('a deleted ServiceAccount’s token stops working: TokenReview refuses it, Unauthenticated', async () => {
    // A deleted ServiceAccount gets no new token: kubelet presents the one it holds from before.
    const pod = await appPod('leaving');
    await tokens.hold(pod);
    await deleteServiceAccount(server.admin, 'default', 'leaving');
    const refused = await refusedMount(pod);
    assert.match(refused.details, /for service account default\/leaving/);
    assert.equal(refused.loginError, 'permission denied', 'OpenBao’s answer to a failed review');
    assert.equal(refused.reviews.length, 1, 'the claims passed OpenBao’s checks: the API server was asked');
    assert.equal(refused.reviews[0]!.by, REVIEWER);
    assert.notEqual(refused.reviews[0]!.authenticated, true);
    assert.match(refused.reviews[0]!.error ?? '', /serviceaccounts "leaving" not found/);
  });

  test('a pod-bound token whose pod is gone: TokenReview refuses it, Unauthenticated', async () => {
    // How a pod's token ends before its `exp` runs out (the API server mints no token shorter
    // than 10 minutes): it is bound to the pod object, and dies with it.
    const pod = await appPod('app');
    await tokens.hold(pod);
    await deletePod(server.admin, pod);
    const refused = await refusedMount(pod);
    assert.equal(refused.loginError, 'permission denied');
    assert.equal(refused.reviews.length, 1);
    assert.notEqual(refused.reviews[0]!.authenticated, true);
    assert.match(refused.reviews[0]!.error ?? '', /service account token has been invalidated/);
  });

  test('an expired token: Unauthenticated, refused by OpenBao on its exp, and by the API server too', async () => {
    // Expiry itself: the pod's token as the API server minted it two hours earlier (its own
    // claims and key, the times moved back), since the server neither back-dates nor mints
    // tokens shorter than 10 minutes.
    const pod = await appPod('app');
    const minted = (await tokens.hold(pod)).get('vault')!;
    const expired = await asMintedEarlier(server, minted, 2 * 3600);
    tokens.holdToken(pod, 'vault', expired);
    const refused = await refusedMount(pod);
    assert.match(refused.loginError, /invalid expiration time \(exp\) claim: token is expired/);
    assert.deepEqual(refused.reviews, [], 'OpenBao refuses an expired token without asking');
    const verdict = await reviewToken(server.admin, expired, ['vault']);
    assert.notEqual(verdict.authenticated, true);
    assert.match(verdict.error ?? '', /expired/);
  });

  test('without a reviewer token OpenBao reviews with the pod’s own `vault` token, which the API server does not accept', async () => {
    // docs/vault-setup.md: that mode needs the token's audience to include the API server's.
    await applyOrThrow(server, [authDelegator('app-auth-delegator', 'default', 'app')]);
    const refused = await refusedMount(await appPod('app'), { vaultAuthMountPath: 'kubernetes-own-jwt' });
    assert.equal(refused.loginError, 'permission denied');
    assert.deepEqual(
      refused.reviews,
      [{ by: undefined, code: 401 }],
      'OpenBao asked, but the API server did not accept the pod’s token as its bearer, system:auth-delegator or not',
    );
  });
});

function authDelegator(name: string, namespace: string, serviceAccount: string) {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
  };
}
