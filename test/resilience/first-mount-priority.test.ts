/**
 * First mounts before republishes, over the socket: with one request in flight allowed toward
 * Vault, a pod waiting to start overtakes the republishes of running pods queued before it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { spcParameters, type Harness } from '../support/harness.js';
import { BYSTANDER, mountedPod, startResilienceHarness, VICTIM } from './resilience-rig.js';

describe('priority at the per-address bound', () => {
  let h: Harness;
  before(async () => {
    h = await startResilienceHarness({ providerArgs: ['-vault-max-in-flight=1'] });
  });
  after(async () => {
    h.vault.setFault(null);
    await h.stop();
  });

  test('a first mount queued after four republishes is served before most of them', async () => {
    const running = await Promise.all([1, 2, 3, 4].map(() => mountedPod(h, BYSTANDER)));
    h.vault.stats.reset();
    h.vault.setFault({ kind: 'latency', ms: 200 });
    const republishes = running.map(({ pod, target }) => h.mount(pod, spcParameters(BYSTANDER), target));
    // One republish is at Vault (the bound is 1); the others queue behind it meanwhile.
    while (h.vault.stats.inFlight === 0) await sleep(5);
    await sleep(50);
    const firstMount = h.mount(h.appPod(), spcParameters(VICTIM));
    await Promise.all([...republishes, firstMount]);
    h.vault.setFault(null);

    const order = h.vault.stats.requests.map((request) =>
      request.path.includes('/login') ? 'login' : request.path.endsWith('/victim') ? 'first' : 'republish',
    );
    assert.equal(order.length, 6);
    // Its login and read overtake the republishes still queued when it arrived.
    const republishesBefore = order.slice(0, order.indexOf('first')).filter((kind) => kind === 'republish').length;
    assert.ok(republishesBefore <= 2, `order at Vault: ${order.join(', ')}`);
    assert.equal(h.vault.stats.peakInFlight, 1);
  });
});
