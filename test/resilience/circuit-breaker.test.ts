/**
 * The per-address circuit breaker over the real socket and HTTP. It measures the server: Vault
 * sealed or down opens it (confirmed by sys/health), open means Unavailable at once with a
 * message naming the address, and the first request after the open interval probes and is
 * served when Vault is back, with or without a Vault namespace. Statuses a pod can choose never
 * open it for the others. Files written before the outage are untouched throughout.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { readMountedFiles } from '../support/driver/index.js';
import { spcParameters, type Harness } from '../support/harness.js';
import {
  assertUntouched,
  BYSTANDER,
  expectFailure,
  mountedPod,
  requestsTo,
  startResilienceHarness,
  VICTIM,
} from './resilience-rig.js';

const OPEN_MS = 300;
const BREAKER = ['-vault-circuit-failures=3', `-vault-circuit-open-duration=${OPEN_MS}ms`];
const OPEN_MESSAGE =
  /Vault at http:\/\/127\.0\.0\.1:\d+ is failing \(\d+ consecutive failures, last: .*; its sys\/health probe failed too\); the next request after \d+ ms probes it again/;

/** A tenant namespace with its own kubernetes auth, role and secrets, as its admin would set it up. */
function seedNamespace(h: Harness, name: string): void {
  h.vault.createNamespace(name);
  const ns = h.vault.namespace(name);
  ns.enableKubernetesAuth('kubernetes', { publicKeysPem: [h.issuer.publicKeyPem], issuer: h.issuer.issuer });
  ns.writePolicy('read', [{ path: 'secret/data/app/*', capabilities: ['read'] }]);
  ns.writeKubernetesRole('kubernetes', 'app', {
    boundServiceAccountNames: ['app'],
    boundServiceAccountNamespaces: ['default'],
    audience: 'vault',
    policies: ['read'],
  });
  ns.writeKv('secret', 'app/victim', { value: 'tenant-victim' });
  ns.writeKv('secret', 'app/other', { value: 'tenant-other' });
}

for (const namespace of [undefined, 'team-a']) {
  const extra: Record<string, string> = namespace === undefined ? {} : { vaultNamespace: namespace };
  const where = namespace === undefined ? 'root namespace' : `Vault namespace ${namespace}`;

  test(`sealed then unsealed (${where}): fail fast while sealed, the first Mount after the open interval is served`, async () => {
    const h = await startResilienceHarness({ providerArgs: BREAKER });
    try {
      if (namespace !== undefined) seedNamespace(h, namespace);
      const mountPod = async (objects: string) => {
        const pod = h.appPod();
        const target = h.target();
        await h.mount(pod, spcParameters(objects, extra), target);
        return { pod, target, files: await readMountedFiles(target) };
      };
      const victim = await mountPod(VICTIM);
      const bystander = await mountPod(BYSTANDER);
      h.vault.setFault({ kind: 'sealed' });
      const republish = (pod: typeof victim, objects: string) =>
        h.driver.mount(pod.pod, { spc: h.spc(spcParameters(objects, extra)) }, pod.target);
      await assert.rejects(republish(victim, VICTIM), (error: { code?: number; details?: string }) => {
        assert.equal(error.code, status.UNAVAILABLE);
        assert.match(error.details ?? '', OPEN_MESSAGE);
        assert.match(error.details ?? '', /HTTP 503: Vault is sealed/);
        return true;
      });
      h.vault.stats.reset();
      await assert.rejects(republish(bystander, BYSTANDER), (error: { code?: number; details?: string }) => {
        assert.equal(error.code, status.UNAVAILABLE);
        assert.match(error.details ?? '', OPEN_MESSAGE);
        return true;
      });
      assert.equal(requestsTo(h, '/v1/secret/'), 0, 'while open, Vault sees probes only');
      assert.equal(requestsTo(h, '/v1/auth/'), 0);
      await assertUntouched(victim);
      await assertUntouched(bystander);

      h.vault.setFault(null);
      await sleep(OPEN_MS + 50);
      h.vault.stats.reset();
      const served = await republish(bystander, BYSTANDER);
      assert.equal(
        served.files.find((file) => file.path === 'other')?.contents.toString(),
        namespace === undefined ? 'other-value-1' : 'tenant-other',
      );
      const seen = h.vault.stats.requests.map((request) => ({
        path: request.path,
        namespace: request.namespace ?? '',
      }));
      assert.deepEqual(seen[0], { path: '/v1/sys/health', namespace: '' }, 'the probe goes to the root namespace');
      assert.ok(
        seen.slice(1).every((request) => request.path !== '/v1/sys/health'),
        'one probe, then the Mount itself',
      );
    } finally {
      h.vault.setFault(null);
      await h.stop();
    }
  });
}

describe('circuit breaker per Vault address', () => {
  test('Vault down: Unavailable naming the address, then fail fast; files untouched', async () => {
    const h = await startResilienceHarness({ providerArgs: BREAKER });
    try {
      const victim = await mountedPod(h, VICTIM);
      const bystander = await mountedPod(h, BYSTANDER);
      await h.vault.stop();
      const error = await expectFailure(h, victim, VICTIM, {
        code: status.UNAVAILABLE,
        message: /cannot reach Vault at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      });
      assert.match(error.details ?? '', OPEN_MESSAGE);
      await expectFailure(h, bystander, BYSTANDER, { code: status.UNAVAILABLE, message: OPEN_MESSAGE }, 5000);
      await assertUntouched(victim);
      await assertUntouched(bystander);
    } finally {
      await h.stop().catch(() => undefined);
    }
  });

  test('a pod choosing its statuses (sys/health codes, a 500 path) cannot open the circuit for others', async () => {
    const h = await startResilienceHarness({ providerArgs: BREAKER });
    try {
      const attacker = await mountedPod(h, BYSTANDER);
      // Each republish reads Vault's own health endpoint asking for 503 and 502 while healthy, and
      // a path the dev Vault answers 500 for: six "server errors" a round, none of them the server's.
      h.vault.setFault({ kind: 'status', status: 500, pathPrefix: '/v1/secret/data/app/boom' });
      const chosen = [
        `- {objectName: a, secretPath: "sys/health?activecode=503"}`,
        `- {objectName: b, secretPath: "sys/health?activecode=502"}`,
        `- {objectName: c, secretPath: "secret/data/app/boom"}`,
      ].join('\n');
      for (let round = 0; round < 3; round += 1) {
        await assert.rejects(
          h.driver.mount(attacker.pod, { spc: h.spc(spcParameters(chosen)) }, attacker.target),
          (error: { code?: number }) => error.code !== undefined,
        );
      }
      // A fresh pod logs in and reads: the circuit asked sys/health, which said healthy.
      const fresh = await h.mount(h.appPod(), spcParameters(VICTIM));
      assert.equal(fresh.files[0]?.contents.toString(), 'victim-value-1');
      const openings = await h.provider.metrics.registry.getSingleMetricAsString(
        'vault_csi_provider_vault_circuit_openings_total',
      );
      assert.match(openings, /vault_csi_provider_vault_circuit_openings_total 0/);
    } finally {
      h.vault.setFault(null);
      await h.stop();
    }
  });
});
