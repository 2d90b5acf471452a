/**
 * The Mount's budget is the caller's deadline less a margin proportional to it: short deadlines
 * (the driver's own, a test harness's) are served, and a budget that is truly too small says so.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { mountBudget } from '../../src/mount/mount-service.js';
import { spcParameters, startHarness } from '../support/harness.js';

const OBJECTS = `- {objectName: password, secretPath: secret/data/app, secretKey: password}`;

describe('deadline budget', () => {
  test('the margin is -deadline-margin or a tenth of the time left, whichever is smaller', () => {
    const cases: [remainingMs: number, expected: { budgetMs: number; marginMs: number }][] = [
      [120_000, { budgetMs: 110_000, marginMs: 5_000 }], // kubelet's 2 minutes: capped by -mount-timeout
      [60_000, { budgetMs: 55_000, marginMs: 5_000 }],
      [4_000, { budgetMs: 3_600, marginMs: 400 }],
      [500, { budgetMs: 450, marginMs: 50 }],
      [0, { budgetMs: 0, marginMs: 0 }],
      [-10, { budgetMs: -10, marginMs: 0 }],
    ];
    for (const [remainingMs, expected] of cases) assert.deepEqual(mountBudget(remainingMs, 5_000, 110_000), expected);
  });

  test('a Mount with a 4 s deadline is served with the default 5 s margin', async () => {
    const h = await startHarness();
    try {
      const pod = h.appPod();
      const outcome = await h.driver.mount(pod, { spc: h.spc(spcParameters(OBJECTS)) }, h.target(), {
        deadlineMs: 4000,
      });
      assert.equal(outcome.files[0]?.contents.toString(), 's3cr3t-Pa55');
    } finally {
      await h.stop();
    }
  });

  test('Vault slower than the budget: DeadlineExceeded naming the budget and the margin it kept', async () => {
    const h = await startHarness({ providerArgs: ['-vault-max-retries=0'] });
    try {
      h.vault.setFault({ kind: 'latency', ms: 3_000, pathPrefix: '/v1/secret/' });
      await assert.rejects(
        h.driver.mount(h.appPod(), { spc: h.spc(spcParameters(OBJECTS)) }, h.target(), { deadlineMs: 2000 }),
        (error: { code?: number; details?: string }) => {
          assert.equal(error.code, status.DEADLINE_EXCEEDED);
          assert.match(
            error.details ?? '',
            /^object "password": Vault did not answer within this Mount's budget of 1\.\ds \(the caller's deadline less a 0\.2s margin\)/,
          );
          return true;
        },
      );
    } finally {
      h.vault.setFault(null);
      await h.stop();
    }
  });
});
