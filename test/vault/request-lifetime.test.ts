/**
 * What a Vault request leaves behind once it has ended: nothing that holds its Mount. A request
 * timer that outlived its request (AbortSignal.timeout does, for the whole timeout) kept the
 * Mount's request context, and what hangs from it, alive for 30 s: at a busy node's rate the
 * provider's heap grew to 600 MB on Node 24 (docs/benchmarks.md).
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { RetryPolicy } from '../../src/vault/retry-policy.js';
import { ResponseByteBudget, runWithRequestContext } from '../../src/vault/request-context.js';
import { VaultTransport } from '../../src/vault/transport.js';
import { VaultHttp } from '../../src/vault/vault-http.js';
import { startDevVault, type DevVault } from '../support/vault-dev/index.js';
import { readAppSecret } from './read-from-dev-vault.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let vault: DevVault;
let transport: VaultTransport;

before(async () => {
  vault = await startDevVault();
  vault.writeKv('secret', 'app', { password: 'p' });
  transport = new VaultTransport();
});
after(async () => {
  await transport.close();
  await vault.stop();
});

/** One read inside a Mount's context, as MountService runs it; a weak reference to that context's budget. */
async function readInsideAMount(http: VaultHttp): Promise<WeakRef<ResponseByteBudget>> {
  const budget = new ResponseByteBudget(1 << 20);
  const context = {
    priority: 'republish',
    tenant: 'pod-a',
    deadlineMs: Date.now() + 30_000,
    responseBytes: budget,
  } as const;
  const answer = await runWithRequestContext(context, () => readAppSecret(http, vault));
  assert.equal(answer.status, 200);
  return new WeakRef(budget);
}

test('a finished Vault request keeps nothing of its Mount alive (no timer outlives it)', async () => {
  const retry = new RetryPolicy({ maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 });
  // A long timeout, as in production: a timer left running would hold the context for an hour.
  const http = new VaultHttp(transport, { maxResponseBytes: 1 << 20, requestTimeoutMs: 3_600_000, retry });
  // The first requests open the agent and its connection, which keep the context they were
  // created in (one per connection, not one per Mount): those are not what this counts.
  for (let i = 0; i < 3; i += 1) await readInsideAMount(http);
  const budgets: WeakRef<ResponseByteBudget>[] = [];
  for (let i = 0; i < 20; i += 1) budgets.push(await readInsideAMount(http));
  for (let round = 0; round < 5 && budgets.some((ref) => ref.deref() !== undefined); round += 1) {
    await nextTurn();
    collectGarbage();
  }
  const alive = budgets.filter((ref) => ref.deref() !== undefined).length;
  const which = budgets.flatMap((ref, i) => (ref.deref() === undefined ? [] : [i]));
  assert.equal(alive, 0, `${alive} of 20 finished Mounts' contexts are still reachable: ${which.join(', ')}`);
});
