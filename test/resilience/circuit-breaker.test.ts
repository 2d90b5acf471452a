/**
 * The per-address circuit breaker over the real socket and HTTP: Vault sealed or down opens it,
 * open means Unavailable at once with a message naming the address and the next probe, and a
 * healthy sys/health probe closes it. Files written before the outage are untouched throughout.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { spcParameters } from '../support/harness.js';
import {
  assertUntouched,
  BYSTANDER,
  expectFailure,
  mountedPod,
  requestsTo,
  startResilienceHarness,
  VICTIM,
} from './resilience-rig.js';

const BREAKER = ['-vault-circuit-failures=3', '-vault-circuit-open-duration=1500ms'];
const OPEN_MESSAGE =
  /Vault at http:\/\/127\.0\.0\.1:\d+ is failing \(\d+ consecutive failures, last: .*\); not contacting it until \S+Z \(in \ds\), when sys\/health is probed again/;

describe('circuit breaker per Vault address', () => {
  test('sealed: Unavailable saying so, then fail fast for everyone, then a probe closes it', async () => {
    const h = await startResilienceHarness({ providerArgs: BREAKER });
    try {
      const victim = await mountedPod(h, VICTIM);
      const bystander = await mountedPod(h, BYSTANDER);
      h.vault.stats.reset();
      h.vault.setFault({ kind: 'sealed' });
      const error = await expectFailure(h, victim, VICTIM, { code: status.UNAVAILABLE, message: /Vault is sealed/ });
      assert.match(error.details ?? '', OPEN_MESSAGE);
      // While open, another pod's republish costs Vault nothing (probes aside) and fails at once.
      h.vault.stats.reset();
      const started = Date.now();
      await expectFailure(h, bystander, BYSTANDER, { code: status.UNAVAILABLE, message: OPEN_MESSAGE }, 5000);
      assert.ok(Date.now() - started < 2600, "three fast failures: only the driver's own retry backoff (1 s, 1.1 s)");
      assert.equal(requestsTo(h, '/v1/secret/'), 0);
      await assertUntouched(victim);
      await assertUntouched(bystander);

      h.vault.setFault(null);
      await sleep(1600);
      h.vault.stats.reset();
      await h.mount(bystander.pod, spcParameters(BYSTANDER), bystander.target);
      const paths = h.vault.stats.requests.map((request) => request.path);
      assert.deepEqual(paths, ['/v1/sys/health', '/v1/secret/data/app/other']);
    } finally {
      h.vault.setFault(null);
      await h.stop();
    }
  });

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
      const started = Date.now();
      await expectFailure(h, bystander, BYSTANDER, { code: status.UNAVAILABLE, message: OPEN_MESSAGE }, 5000);
      assert.ok(Date.now() - started < 2600, "three fast failures: only the driver's own retry backoff (1 s, 1.1 s)");
      await assertUntouched(victim);
      await assertUntouched(bystander);
    } finally {
      await h.stop().catch(() => undefined);
    }
  });
});
