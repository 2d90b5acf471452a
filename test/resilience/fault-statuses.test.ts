/**
 * Faults injected at the dev Vault, one per test, scoped to the victim's path: each asserts the
 * gRPC status, the message, how many requests Vault saw (retries exactly as documented), that a
 * bystander pod mounting at the same time is served, and that the victim's files are untouched.
 * The circuit breaker is off here (each case is about one request); circuit-breaker.test.ts has it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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
  VICTIM_PREFIX,
} from './resilience-rig.js';

describe('Vault faults: precise status and message, bystanders served, files untouched', () => {
  let h: Harness;
  before(async () => {
    h = await startResilienceHarness({ providerArgs: ['-vault-circuit-failures=0', '-max-response-bytes=16384'] });
  });
  after(async () => {
    h.vault.setFault(null);
    await h.stop();
  });

  /** Runs `victim` while a second pod mounts another path; the bystander must be served in full. */
  async function withBystander<T>(victim: () => Promise<T>): Promise<T> {
    const bystander = h.target();
    const [result] = await Promise.all([victim(), h.mount(h.appPod(), spcParameters(BYSTANDER), bystander)]);
    const files = await readMountedFiles(bystander);
    assert.equal(files.get('other')?.contents.toString(), 'other-value-1');
    return result;
  }

  async function faulted(fault: Parameters<Harness['vault']['setFault']>[0], work: () => Promise<unknown>) {
    h.vault.stats.reset();
    h.vault.setFault(fault);
    try {
      await work();
    } finally {
      h.vault.setFault(null);
    }
  }

  test('slow past the budget → our DeadlineExceeded naming the object, not a bare one', async () => {
    const victim = await mountedPod(h, VICTIM);
    await faulted({ kind: 'latency', ms: 4000, pathPrefix: VICTIM_PREFIX }, () =>
      withBystander(() =>
        expectFailure(
          h,
          victim,
          VICTIM,
          {
            code: status.DEADLINE_EXCEEDED,
            message:
              /^object "victim": Vault did not answer within this Mount's budget of 2\.\ds \(the caller's deadline less a 0\.\ds margin\)/,
          },
          2500,
        ),
      ),
    );
    await assertUntouched(victim);
  });

  test('persistent 500s → Unavailable with HTTP 500, retried twice per Mount with backoff', async () => {
    const victim = await mountedPod(h, VICTIM);
    await faulted({ kind: 'status', status: 500, pathPrefix: VICTIM_PREFIX }, () =>
      withBystander(() =>
        expectFailure(h, victim, VICTIM, {
          code: status.UNAVAILABLE,
          message: /object "victim": Vault could not serve secret\/data\/app\/victim \(HTTP 500/,
        }),
      ),
    );
    // The driver's own 3 attempts (it retries UNAVAILABLE), each with our 1 try + 2 retries.
    assert.equal(requestsTo(h, VICTIM_PREFIX), 9);
    await assertUntouched(victim);
  });

  test('transient 500s are absorbed by the retries: the Mount succeeds', async () => {
    const victim = await mountedPod(h, VICTIM);
    await faulted({ kind: 'status', status: 500, count: 2, pathPrefix: VICTIM_PREFIX }, async () => {
      await withBystander(() => h.mount(victim.pod, spcParameters(VICTIM), victim.target));
    });
    assert.equal(requestsTo(h, VICTIM_PREFIX), 3);
  });

  test('429 with Retry-After is honoured: the retry waits as asked and succeeds', async () => {
    const victim = await mountedPod(h, VICTIM);
    await faulted(
      { kind: 'status', status: 429, count: 1, retryAfterSeconds: 1, pathPrefix: VICTIM_PREFIX },
      // How long the retry waits is test/vault/vault-http.test.ts's, on a clock moved by hand.
      () => withBystander(() => h.mount(victim.pod, spcParameters(VICTIM), victim.target)),
    );
    assert.equal(requestsTo(h, VICTIM_PREFIX), 2);
  });

  test('429 with a Retry-After beyond the budget → Unavailable at once, no pointless wait', async () => {
    const victim = await mountedPod(h, VICTIM);
    await faulted({ kind: 'status', status: 429, retryAfterSeconds: 60, pathPrefix: VICTIM_PREFIX }, () =>
      withBystander(() =>
        expectFailure(
          h,
          victim,
          VICTIM,
          { code: status.UNAVAILABLE, message: /object "victim": .*HTTP 429: request path/ },
          5000,
        ),
      ),
    );
    assert.equal(requestsTo(h, VICTIM_PREFIX), 3, 'one request per driver attempt');
    await assertUntouched(victim);
  });

  test('connection reset mid-response: a read is retried and succeeds', async () => {
    const victim = await mountedPod(h, VICTIM);
    await faulted({ kind: 'reset-mid-response', count: 1, pathPrefix: VICTIM_PREFIX }, async () => {
      await withBystander(() => h.mount(victim.pod, spcParameters(VICTIM), victim.target));
    });
    assert.equal(requestsTo(h, VICTIM_PREFIX), 2);
  });

  test('connection reset mid-response every time → Unavailable naming the address', async () => {
    const victim = await mountedPod(h, VICTIM);
    await faulted({ kind: 'reset-mid-response', pathPrefix: VICTIM_PREFIX }, () =>
      withBystander(() =>
        expectFailure(h, victim, VICTIM, {
          code: status.UNAVAILABLE,
          message: /^object "victim": cannot reach Vault at http:\/\/127\.0\.0\.1:\d+ \(/,
        }),
      ),
    );
    await assertUntouched(victim);
  });

  test('malformed JSON → Unavailable without the body, and not retried', async () => {
    const victim = await mountedPod(h, VICTIM);
    await faulted({ kind: 'malformed', pathPrefix: VICTIM_PREFIX }, () =>
      withBystander(() =>
        expectFailure(h, victim, VICTIM, {
          code: status.UNAVAILABLE,
          message: /^object "victim": Vault answered HTTP 200 with a body that is not JSON/,
        }),
      ),
    );
    assert.equal(requestsTo(h, VICTIM_PREFIX), 3, 'one request per driver attempt');
    await assertUntouched(victim);
  });

  test('oversized response → ResourceExhausted with the limit, not retried', async () => {
    const victim = await mountedPod(h, VICTIM);
    h.vault.writeKv('secret', 'app/victim-big', { value: 'x'.repeat(20000) });
    h.vault.stats.reset();
    const big = '- {objectName: victim, secretPath: secret/data/app/victim-big, secretKey: value}';
    await withBystander(() =>
      expectFailure(h, victim, big, {
        code: status.RESOURCE_EXHAUSTED,
        message: /^object "victim": Vault's response is larger than the limit of 16384 bytes/,
      }),
    );
    assert.equal(requestsTo(h, '/v1/secret/data/app/victim-big'), 1);
    await assertUntouched(victim);
  });

  test('token expired mid-flight (revoked after caching) → one re-login, the Mount succeeds', async () => {
    const victim = await mountedPod(h, VICTIM);
    for (const token of h.vault.listTokens()) h.vault.revokeToken(token);
    h.vault.stats.reset();
    h.vault.writeKv('secret', 'app/victim', { value: 'victim-value-2' });
    await withBystander(() => h.mount(victim.pod, spcParameters(VICTIM), victim.target));
    assert.equal((await readMountedFiles(victim.target)).get('victim')?.contents.toString(), 'victim-value-2');
    // Victim: 403 on the stale token, one login, the read again (the bystander logs in too).
    assert.equal(requestsTo(h, VICTIM_PREFIX), 2);
    assert.equal(h.vault.stats.logins, 2);
    h.vault.writeKv('secret', 'app/victim', { value: 'victim-value-1' });
  });

  test('login refused → Unauthenticated naming the service account, never retried', async () => {
    const intruder = h.appPod({ serviceAccountName: 'intruder' });
    const target = h.target();
    h.vault.stats.reset();
    await withBystander(() =>
      expectFailure(h, { pod: intruder, target }, VICTIM, {
        code: status.UNAUTHENTICATED,
        message:
          /^login: Vault refused auth\/kubernetes\/login with role "app" for service account default\/intruder \(HTTP 403/,
      }),
    );
    // One login for the intruder, one for the bystander: a refusal is final.
    assert.equal(h.vault.stats.logins, 2);
  });

  test('an issuing POST whose connection dropped is not retried by the provider (no second certificate)', async () => {
    const issue =
      '- {objectName: cert, secretPath: pki/issue/app, method: PUT, secretArgs: {common_name: a.example.com, ttl: 1h}, secretKey: certificate}';
    h.vault.writePkiRole('app', { allowedDomains: ['example.com'], allowSubdomains: true, maxTtlSeconds: 7200 });
    const connectionRetries = async () =>
      (await h.provider.metrics.vaultRetries.get()).values
        .filter((value) => value.labels.reason === 'connection')
        .reduce((total, value) => total + value.value, 0);
    const retriesBefore = await connectionRetries();
    const pod = h.appPod();
    await faulted({ kind: 'drop', count: 1, pathPrefix: '/v1/pki/issue' }, async () => {
      await withBystander(() => h.mount(pod, spcParameters(issue)));
    });
    // The provider answered Unavailable after the drop; the second request is the driver's retry.
    assert.equal(await connectionRetries(), retriesBefore);
    assert.equal(requestsTo(h, '/v1/pki/issue'), 2);
    assert.equal(h.vault.stats.certificatesIssued, 1);
  });
});
