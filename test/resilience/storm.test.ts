/**
 * A node reboot: 110 pods × 5 objects mount at once against a dev Vault with injected latency and
 * a per-address cap of 16 requests in flight. All succeed, Vault never sees more than the cap,
 * and it sees exactly the planned requests: one login per pod and one read per object.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readMountedFiles } from '../support/driver/index.js';
import { spcParameters, type Harness } from '../support/harness.js';
import { startResilienceHarness } from './resilience-rig.js';

const PODS = 110;
const CAP = 16;
const OBJECTS = [1, 2, 3, 4, 5]
  .map((n) => `- {objectName: s${n}, secretPath: secret/data/app/storm-${n}, secretKey: value}`)
  .join('\n');

describe('storm: 110 pods × 5 objects at once', () => {
  let h: Harness;
  before(async () => {
    // The storm is about the cap and the counts, not timeouts: 110 logins (JWT checks) on a busy
    // machine may take longer than the rig's 2 s request timeout.
    h = await startResilienceHarness({ providerArgs: [`-vault-max-in-flight=${CAP}`, '-vault-request-timeout=60s'] });
    for (let n = 1; n <= 5; n += 1) h.vault.writeKv('secret', `app/storm-${n}`, { value: `storm-value-${n}` });
  });
  after(async () => {
    h.vault.setFault(null);
    await h.stop();
  });

  test('all mount, Vault never sees more than the cap in flight, exactly 110 logins and 550 reads', async () => {
    h.vault.stats.reset();
    h.vault.setFault({ kind: 'latency', ms: 10 });
    const pods = Array.from({ length: PODS }, () => h.appPod());
    const targets = pods.map(() => h.target());
    await Promise.all(pods.map((pod, i) => h.mount(pod, spcParameters(OBJECTS), targets[i])));
    h.vault.setFault(null);

    assert.ok(h.vault.stats.peakInFlight <= CAP, `peak in flight ${h.vault.stats.peakInFlight} > ${CAP}`);
    assert.ok(h.vault.stats.peakInFlight >= CAP / 2, 'the storm did not load Vault up to the cap');
    assert.equal(h.vault.stats.logins, PODS);
    const reads = h.vault.stats.requests.filter((request) => request.path.startsWith('/v1/secret/data/app/storm-'));
    assert.equal(reads.length, PODS * 5);
    assert.equal(h.vault.stats.requests.length, PODS * 6);
    for (const target of [targets[0], targets[PODS - 1]]) {
      const files = await readMountedFiles(target!);
      assert.equal(files.get('s5')?.contents.toString(), 'storm-value-5');
    }
  });
});
