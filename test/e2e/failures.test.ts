import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { readMountedFiles } from '../support/driver/index.js';
import { spcParameters, startHarness, type Harness } from '../support/harness.js';

const OBJECTS = `
- {objectName: username, secretPath: secret/data/app, secretKey: username}
- {objectName: password, secretPath: secret/data/app, secretKey: password}
`;

interface GrpcError {
  code?: number;
  details?: string;
}

describe('failures give the right status and leave previously written files untouched', () => {
  let h: Harness;
  before(async () => {
    // Short budgets so slow-Vault cases finish quickly: a 1 s margin and a 2 s request timeout.
    // The circuit breaker is off here so each case sees its own fault and the next case starts on a
    // healthy address; test/resilience/ covers the breaker (and the down case below keeps it on).
    h = await startHarness({
      providerArgs: ['-deadline-margin=1s', '-vault-request-timeout=2s', '-vault-circuit-failures=0'],
    });
  });
  after(async () => {
    h.vault.setFault(null);
    await h.stop();
  });

  /** Mounts once successfully, applies a fault, and checks the republish fails as expected. */
  async function republishFails(
    fault: Parameters<Harness['vault']['setFault']>[0],
    expected: { code: number; message: RegExp },
    deadlineMs?: number,
  ) {
    const pod = h.appPod();
    const target = h.target();
    await h.mount(pod, spcParameters(OBJECTS), target);
    const before = await readMountedFiles(target);
    // A second pod mounted before the fault must not be disturbed by it either.
    const bystander = h.target();
    await h.mount(h.appPod(), spcParameters(OBJECTS), bystander);
    const bystanderBefore = await readMountedFiles(bystander);
    h.provider.tokenCache.clear();
    h.vault.setFault(fault);
    try {
      await assert.rejects(
        h.driver.mount(
          pod,
          { spc: h.spc(spcParameters(OBJECTS)) },
          target,
          deadlineMs === undefined ? {} : { deadlineMs },
        ),
        (error: GrpcError) => {
          assert.equal(error.code, expected.code, `status ${error.code} (${error.details})`);
          assert.match(error.details ?? '', expected.message);
          return true;
        },
      );
    } finally {
      h.vault.setFault(null);
    }
    assert.deepEqual(await readMountedFiles(target), before);
    assert.deepEqual(await readMountedFiles(bystander), bystanderBefore);
  }

  test('Vault sealed → Unavailable', async () => {
    await republishFails({ kind: 'sealed' }, { code: status.UNAVAILABLE, message: /Vault is sealed/ });
  });

  test('Vault answering 500 → Unavailable', async () => {
    await republishFails({ kind: 'status', status: 500 }, { code: status.UNAVAILABLE, message: /HTTP 500/ });
  });

  test('Vault rate limiting (429) → Unavailable', async () => {
    // Retry-After: 0, so the provider's retries (which honour it) do not wait a second each.
    await republishFails(
      { kind: 'status', status: 429, retryAfterSeconds: 0 },
      { code: status.UNAVAILABLE, message: /HTTP 429/ },
    );
  });

  test('connection dropped → Unavailable naming the address', async () => {
    await republishFails(
      { kind: 'drop' },
      { code: status.UNAVAILABLE, message: /cannot reach Vault at http:\/\/127\.0\.0\.1/ },
    );
  });

  test('malformed JSON → Unavailable without echoing the body', async () => {
    await republishFails({ kind: 'malformed' }, { code: status.UNAVAILABLE, message: /not JSON/ });
  });

  test('Vault slower than the call deadline → our own DeadlineExceeded naming the pending objects', async () => {
    await republishFails(
      { kind: 'hang' },
      { code: status.DEADLINE_EXCEEDED, message: /(login|object "username").*budget|budget/ },
      2500,
    );
  });

  test('Vault down entirely → Unavailable', async () => {
    const h2 = await startHarness();
    const pod = h2.appPod();
    const target = h2.target();
    try {
      await h2.mount(pod, spcParameters(OBJECTS), target);
      const before = await readMountedFiles(target);
      await h2.vault.stop();
      h2.provider.tokenCache.clear();
      await assert.rejects(h2.mount(pod, spcParameters(OBJECTS), target), (error: GrpcError) => {
        assert.equal(error.code, status.UNAVAILABLE);
        assert.match(error.details ?? '', /cannot reach Vault/);
        return true;
      });
      assert.deepEqual(await readMountedFiles(target), before);
    } finally {
      await h2.stop().catch(() => undefined);
    }
  });

  test('a missing key is NotFound and lists the available key names only', async () => {
    await assert.rejects(
      h.mount(h.appPod(), spcParameters(`- {objectName: nope, secretPath: secret/data/app, secretKey: nope}`)),
      (error: GrpcError) => {
        assert.equal(error.code, status.NOT_FOUND);
        assert.match(error.details ?? '', /object "nope"/);
        assert.match(error.details ?? '', /username/);
        assert.doesNotMatch(error.details ?? '', /s3cr3t/);
        return true;
      },
    );
  });

  test('a missing path is NotFound', async () => {
    await assert.rejects(
      h.mount(h.appPod(), spcParameters(`- {objectName: gone, secretPath: secret/data/app/gone, secretKey: x}`)),
      {
        code: status.NOT_FOUND,
      },
    );
  });

  test('one bad object fails the whole mount: no partial file set', async () => {
    const target = h.target();
    await assert.rejects(
      h.mount(
        h.appPod(),
        spcParameters(`
- {objectName: good, secretPath: secret/data/app, secretKey: username}
- {objectName: bad, secretPath: secret/data/app, secretKey: missing}
`),
        target,
      ),
      { code: status.NOT_FOUND },
    );
    assert.equal((await readMountedFiles(target).catch(() => new Map())).size, 0);
  });

  const invalid: { name: string; params: Record<string, string>; message: RegExp }[] = [
    { name: 'missing roleName', params: { objects: OBJECTS }, message: /roleName/ },
    { name: 'no objects', params: { roleName: 'app' }, message: /objects/ },
    {
      name: 'objectName traversal',
      params: spcParameters(`- {objectName: ../escape, secretPath: secret/data/app}`),
      message: /"\.\.\/escape"|\.\./,
    },
    {
      name: 'absolute objectName',
      params: spcParameters(`- {objectName: /etc/passwd, secretPath: secret/data/app}`),
      message: /absolute|relative/,
    },
    {
      name: 'duplicate objectName',
      params: spcParameters(`- {objectName: a, secretPath: secret/data/app}\n- {objectName: a, secretPath: kv/legacy}`),
      message: /duplicate/i,
    },
    {
      name: 'unknown object field',
      params: spcParameters(`- {objectName: a, secretPath: secret/data/app, secretkey: username}`),
      message: /secretKey/,
    },
    {
      name: 'bad encoding',
      params: spcParameters(`- {objectName: a, secretPath: secret/data/app, secretKey: username, encoding: rot13}`),
      message: /encoding/,
    },
    {
      name: 'both auth mount parameters',
      params: spcParameters(OBJECTS, { vaultKubernetesMountPath: 'a', vaultAuthMountPath: 'b' }),
      message: /vaultAuthMountPath.*vaultKubernetesMountPath|vaultKubernetesMountPath.*vaultAuthMountPath/,
    },
    {
      name: 'bad skip-verify boolean',
      params: spcParameters(OBJECTS, { vaultSkipTLSVerify: 'yes' }),
      message: /vaultSkipTLSVerify/,
    },
  ];
  for (const { name, params, message } of invalid) {
    test(`InvalidArgument: ${name}`, async () => {
      await assert.rejects(h.mount(h.appPod(), params), (error: GrpcError) => {
        assert.equal(error.code, status.INVALID_ARGUMENT, error.details);
        assert.match(error.details ?? '', message);
        return true;
      });
    });
  }

  test('a response over the size limit is ResourceExhausted with the sizes', async () => {
    const h2 = await startHarness({ providerArgs: ['-max-response-bytes=2048'] });
    try {
      h2.vault.writeKv('secret', 'app/big', { blob: 'x'.repeat(1500) });
      await assert.rejects(
        h2.mount(
          h2.appPod(),
          spcParameters(`
- {objectName: one, secretPath: secret/data/app/big, secretKey: blob}
- {objectName: two, secretPath: secret/data/app/big, secretKey: blob}
`),
        ),
        (error: GrpcError) => {
          assert.equal(error.code, status.RESOURCE_EXHAUSTED);
          assert.match(error.details ?? '', /2048 bytes/);
          return true;
        },
      );
    } finally {
      await h2.stop();
    }
  });
});
