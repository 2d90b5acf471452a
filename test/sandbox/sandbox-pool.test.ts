import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { SandboxPool, type SandboxOutcome } from '../../src/sandbox/sandbox-pool.js';

const ENTRY = new URL('./pool-test-worker.ts', import.meta.url);
const never = new AbortController().signal;
const pools: SandboxPool[] = [];

function pool(workers = 1, memoryLimitMb = 32): SandboxPool {
  const created = new SandboxPool({ entry: ENTRY, workers, memoryLimitMb });
  pools.push(created);
  return created;
}

const run = <R = unknown>(p: SandboxPool, task: unknown, tenant = 'pod-a', timeLimitMs = 5000) =>
  p.run<R>(task, { tenant, timeLimitMs, signal: never });

after(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('SandboxPool', () => {
  test('starts workers on first use and returns results, transferred buffers included', async () => {
    const p = pool(2);
    assert.equal(p.size, 0);
    assert.deepEqual(await run(p, { kind: 'echo', value: { a: [1, 'x'] } }), { kind: 'ok', result: { a: [1, 'x'] } });
    assert.equal(p.size, 1);
    const bytes = await run<Uint8Array>(p, { kind: 'bytes', size: 1024 });
    assert.ok(bytes.kind === 'ok');
    assert.equal(bytes.result.length, 1024);
  });

  test('a task past its time limit ends its worker, names its last step, and the pool goes on', async () => {
    const p = pool(1);
    const outcome = await run(p, { kind: 'spin', afterSteps: 2 }, 'pod-a', 200);
    assert.deepEqual(outcome, { kind: 'time-limit', progress: 2 });
    assert.deepEqual(await run(p, { kind: 'echo', value: 1 }), { kind: 'ok', result: 1 });
  });

  test('the main event loop keeps running while a task spins', async () => {
    const p = pool(1);
    let settled = false;
    const spinning = run(p, { kind: 'spin' }, 'pod-a', 400).then((outcome) => {
      settled = true;
      return outcome;
    });
    // Several turns of the main loop while the worker burns CPU: nothing here waits for it.
    for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(settled, false);
    assert.equal((await spinning).kind, 'time-limit');
  });

  test('a task that exhausts its heap ends only its worker (memory-limit); the process lives on', async () => {
    const p = pool(1, 16);
    const outcome = await run(p, { kind: 'allocate' }, 'pod-a', 20_000);
    assert.equal(outcome.kind, 'memory-limit');
    assert.deepEqual(await run(p, { kind: 'echo', value: 'alive' }), { kind: 'ok', result: 'alive' });
  });

  test('a worker that exits is replaced; its task is reported crashed', async () => {
    const p = pool(1);
    assert.equal((await run(p, { kind: 'exit' })).kind, 'crashed');
    assert.deepEqual(await run(p, { kind: 'echo', value: 2 }), { kind: 'ok', result: 2 });
  });

  test('provider errors cross with code and message; a bug crosses with type and frames, never its message', async () => {
    const p = pool(1);
    const refused = await run(p, { kind: 'provider-error', message: 'object "x": field "template" is bad' });
    assert.deepEqual(refused, {
      kind: 'failed',
      failure: {
        code: 'ERR_INVALID_PARAMETER',
        message: 'object "x": field "template" is bad',
        type: 'InvalidParameterError',
      },
    });
    const secret = 'hvs.SECRET-TOKEN-VALUE';
    const bug = (await run(p, { kind: 'bug', secret })) as Extract<SandboxOutcome<unknown>, { kind: 'failed' }>;
    // (V8's message would have been: Unexpected token 'h', "{"token": hvs.SECRET-TOKEN-VALUE}" is not valid JSON)
    assert.equal(bug.kind, 'failed');
    assert.equal(bug.failure.type, 'SyntaxError');
    assert.equal(bug.failure.code, undefined);
    assert.equal(bug.failure.message, undefined);
    assert.match(bug.failure.frames ?? '', /^\s+at /);
    assert.ok(!JSON.stringify(bug).includes(secret), 'the secret quoted by V8 does not cross');
  });

  test('fair between tenants: a pod with tasks queued does not starve another pod', async () => {
    const p = pool(1);
    const order: string[] = [];
    const task = (tenant: string, label: string) =>
      run(p, { kind: 'echo', value: label }, tenant).then(() => order.push(label));
    await Promise.all([task('noisy', 'n1'), task('noisy', 'n2'), task('noisy', 'n3'), task('quiet', 'q1')]);
    assert.deepEqual(order, ['n1', 'q1', 'n2', 'n3']);
  });

  test('a caller giving up leaves the queue, or stops its running worker', async () => {
    const p = pool(1);
    const running = new AbortController();
    const queued = new AbortController();
    const first = p.run({ kind: 'spin' }, { tenant: 'a', timeLimitMs: 60_000, signal: running.signal });
    const second = p.run({ kind: 'echo', value: 1 }, { tenant: 'b', timeLimitMs: 60_000, signal: queued.signal });
    queued.abort(new Error('Mount cancelled'));
    await assert.rejects(second, /Mount cancelled/);
    running.abort(new Error('deadline'));
    await assert.rejects(first, /deadline/);
    assert.deepEqual(await run(p, { kind: 'echo', value: 3 }), { kind: 'ok', result: 3 });
  });
});
