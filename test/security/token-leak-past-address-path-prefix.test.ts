/**
 * Threat: an operator allows a Vault behind a gateway by path (`-allowed-vault-addresses=
 * https://gateway/vault/`), but the provider drops the address's path and sends pod tokens to the
 * gateway's root (another service), or a secretPath, auth mount or address path climbs out of
 * the prefix (`..%2f`, which a gateway decodes and resolves). Control: every request (login,
 * reads, renewals, revocations, the sys/health probe) goes below the address's path, as Go's
 * vault/api does with a VAULT_ADDR that has one, and paths that could leave it are refused.
 * The gateway here serves only `/vault/`, forwarding to the dev Vault, and records the rest.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { KubeClient } from '../../src/kube/in-cluster.js';
import { normaliseSecretPath } from '../../src/mount/parse/secret-path.js';
import { validateVaultAddress } from '../../src/mount/parse/connection.js';
import { isAddressAllowed, parseAllowlistEntry } from '../../src/mount/policy/address-allowlist.js';
import { hasDotSegment, vaultRequestUrl } from '../../src/vault/request-url.js';
import { startFakeKubeApi } from '../support/kube-api/index.js';
import { spcParameters, startHarness } from '../support/harness.js';
import { startLeaseRig } from '../support/lease-rig.js';
import { failureOf, startPrefixProxy } from './attack-kit.js';

const CLIMBS = ['..', '%2e%2e', '%2E.', '..%2f..', '..%5c..', '%252e%252e', 'a/../..', 'x/%2e%2e%2fy'];

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('threat: requests leave the path prefix of an allowed Vault address', () => {
  test('the request URL keeps the address path and refuses every spelling of a climb', () => {
    const base = { origin: 'https://gateway.example.com', pathPrefix: '/vault' };
    assert.equal(
      vaultRequestUrl(base, '/v1/auth/kubernetes/login', undefined, 'login').href,
      'https://gateway.example.com/vault/v1/auth/kubernetes/login',
    );
    assert.equal(
      vaultRequestUrl(base, '/v1/sys/health', { standbyok: 'true' }, 'health probe').href,
      'https://gateway.example.com/vault/v1/sys/health?standbyok=true',
    );
    for (const climb of CLIMBS) {
      assert.equal(hasDotSegment(`/v1/secret/${climb}/admin`), true, climb);
      assert.throws(
        () => vaultRequestUrl(base, `/v1/secret/${climb}/admin`, undefined, 'object "x"'),
        /object "x": the Vault request path would leave \/vault\/v1\//,
        climb,
      );
      assert.throws(() => normaliseSecretPath(`secret/${climb}/admin`, 'object "x"'), /"\." or "\.\." segments/);
    }
    assert.equal(hasDotSegment('/v1/secret/data/a.b/..c/%zz'), false, 'dots inside names are fine');
  });

  test('an address path that climbs is refused by the parser and the allowlist', () => {
    const entries = [parseAllowlistEntry('https://gateway.example.com/vault/')];
    assert.equal(isAddressAllowed('https://gateway.example.com/vault', entries), true, 'the prefix itself');
    assert.equal(isAddressAllowed('https://gateway.example.com/vault/team-a', entries), true);
    for (const address of [
      'https://gateway.example.com/vault/..%2fadmin',
      'https://gateway.example.com/vault/%252e%252e/admin',
      'https://gateway.example.com/vaultx',
    ]) {
      assert.equal(isAddressAllowed(address, entries), false, address);
    }
    assert.throws(() => validateVaultAddress('https://gateway.example.com/vault/..%2fadmin'), /vaultAddress.*segments/);
  });

  test('through the socket: login, reads and the health probe go below /vault/; climbs are refused', async () => {
    const gateway = await startPrefixProxy();
    const harness = await startHarness({
      providerArgs: [
        `-allowed-vault-addresses=${gateway.address}/vault/`,
        // One counted failure makes the breaker probe sys/health at once.
        '-vault-circuit-failures=1',
        '-vault-max-retries=0',
      ],
    });
    gateway.upstream = harness.vault.address;
    try {
      const vaultAddress = gateway.vaultAddress;
      const objects = '- {objectName: u, secretPath: secret/data/app, secretKey: username}';
      const served = await harness.mount(harness.appPod(), spcParameters(objects, { vaultAddress }));
      assert.equal(served.files[0]?.contents.toString(), 'app-user');
      const paths = gateway.requests.map((request) => request.url);
      assert.ok(paths.includes('/vault/v1/auth/kubernetes/login'), paths.join(' '));
      assert.ok(paths.includes('/vault/v1/secret/data/app'), paths.join(' '));

      harness.vault.setFault({ kind: 'status', status: 503, pathPrefix: '/v1/secret/' });
      const unavailable = await failureOf(
        harness.mount(harness.appPod(), spcParameters(objects, { vaultAddress }), harness.target()),
      );
      harness.vault.setFault(null);
      assert.equal(unavailable.code, status.UNAVAILABLE);
      await waitFor('the health probe', () => gateway.requests.some((r) => r.url.startsWith('/vault/v1/sys/health')));

      const attempts: Record<string, string>[] = [
        { vaultAddress, objects: '- {objectName: u, secretPath: "secret/..%2f..%2f..%2fadmin", secretKey: k}' },
        { vaultAddress, objects: '- {objectName: u, secretPath: "secret/%252e%252e/admin", secretKey: k}' },
        { vaultAddress: `${vaultAddress}/..%2f..%2fadmin`, objects },
        { vaultAddress, objects, vaultAuthMountPath: '../../admin' },
      ];
      for (const attempt of attempts) {
        const { objects: attemptObjects = objects, ...rest } = attempt;
        const failure = await failureOf(
          harness.mount(harness.appPod(), spcParameters(attemptObjects, rest), harness.target()),
        );
        assert.equal(failure.code, status.INVALID_ARGUMENT, JSON.stringify(attempt));
      }
      assert.deepEqual(gateway.outside(), [], 'nothing reached the gateway outside /vault/v1/');
    } finally {
      await harness.stop();
      await gateway.close();
    }
  });

  test('through the socket: renewals and revocations use the operator address path too', async (t) => {
    const kubeToken = 'provider-sa-token-path-prefix-3e9a';
    const kube = await startFakeKubeApi({ token: kubeToken });
    t.after(() => kube.stop());
    const client = new KubeClient({ baseUrl: kube.baseUrl, namespace: 'csi', token: kubeToken });
    t.after(() => client.close());
    const gateway = await startPrefixProxy();
    t.after(() => gateway.close());
    const rig = await startLeaseRig({
      kubeClient: client,
      providerArgs: [
        // The operator's own address with a path, as VAULT_ADDR=https://gateway/vault in Go.
        `-vault-addr=${gateway.vaultAddress}`,
        '-revoke-leases-of-deleted-pods',
        '-node-name=node-1',
        '-lease-revocation-grace-period=1s',
      ],
      extraPolicy: [{ path: 'sys/leases/revoke', capabilities: ['update'] }],
    });
    t.after(() => rig.stop());
    gateway.upstream = rig.vault.address;
    const pod = rig.pod();
    kube.pods.addPod({ ...pod, nodeName: 'node-1' });
    const objects = '- {objectName: u, secretPath: database/creds/app, secretKey: username}';
    const published = await rig.publish(pod, objects, rig.target('prefix'));
    await rig.advance(200_000); // two thirds of the 300 s lease: renewed
    assert.ok(gateway.requests.some((r) => r.url === '/vault/v1/sys/leases/renew'));

    await waitFor('the pod watch', () => kube.pods.activeWatches === 1);
    kube.pods.deletePod(pod.uid);
    await waitFor('the deletion to be seen', () => rig.provider.leases.revoker?.pending === 1);
    await rig.advance(1_000);
    assert.ok(gateway.requests.some((r) => r.url === '/vault/v1/sys/leases/revoke'));
    assert.equal(rig.vault.isCredentialValid(published.files.get('u') ?? ''), false, 'revoked through the gateway');
    assert.deepEqual(gateway.outside(), [], 'nothing reached the gateway outside /vault/v1/');
  });
});
