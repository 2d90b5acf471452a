import assert from 'node:assert/strict';
import { mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { makePod } from '../support/cluster/pod.js';
import { createServiceAccountIssuer, type ServiceAccountIssuer } from '../support/cluster/service-account-issuer.js';
import {
  DriverEmulator,
  DriverMountError,
  ProviderStatus,
  legacyDriverAuthority,
  readMountedFiles,
  startFakeProvider,
  type FakeProvider,
  type VolumeFixture,
} from '../support/driver/index.js';
import type { MountResponse } from '../../src/generated/v1alpha1/MountResponse.js';

const pod = makePod({ namespace: 'apps', serviceAccountName: 'web' });
const volume: VolumeFixture = { spc: { name: 'vault-db', parameters: { roleName: 'db', objects: '[]' } } };

let dir: string;
let issuer: ServiceAccountIssuer;
let provider: FakeProvider;
let driver: DriverEmulator;
let targets = 0;
const target = () => join(dir, `pods/${targets++}/volumes/kubernetes.io~csi/secrets/mount`);

function respond(files: Record<string, [string, number]>, version = 'v1'): MountResponse {
  return {
    objectVersion: Object.keys(files).map((id) => ({ id, version })),
    files: Object.entries(files).map(([path, [contents, mode]]) => ({ path, mode, contents: Buffer.from(contents) })),
  };
}

async function mounted(path: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, { contents, mode }] of await readMountedFiles(path))
    out[name] = `${mode.toString(8)}:${contents.toString()}`;
  return out;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driver-'));
  issuer = await createServiceAccountIssuer({ algorithm: 'ES256' });
  provider = await startFakeProvider(join(dir, 'vault.sock'), {});
  driver = new DriverEmulator({ socketPath: join(dir, 'vault.sock'), issuer });
});
after(async () => {
  driver.close();
  await provider.close();
  await rm(dir, { recursive: true, force: true });
});

describe('DriverEmulator against a provider on a unix socket', () => {
  test('the provider receives exactly the built request, with :authority localhost', async () => {
    provider.handlers = { mount: () => respond({ 'db/password': ['s3cret', 0o600], 'config.json': ['{}', 0o644] }) };
    const path = target();
    const before = provider.mountCalls.length;
    const started = Date.now();
    const outcome = await driver.mount(pod, volume, path);

    const call = provider.mountCalls[before]!;
    assert.equal(call.authority, 'localhost');
    assert.equal(call.request.targetPath, path);
    assert.equal(call.request.permission, '420');
    assert.equal(call.request.secrets, 'null');
    assert.deepEqual(call.request.currentObjectVersion, []);
    const attributes = JSON.parse(call.request.attributes) as Record<string, string>;
    assert.equal(attributes['csi.storage.k8s.io/pod.uid'], pod.uid);
    assert.equal(attributes.secretProviderClass, 'vault-db');
    assert.ok('vault' in (JSON.parse(attributes['csi.storage.k8s.io/serviceAccount.tokens']!) as object));
    // No custom metadata: only what grpc-js itself sends.
    assert.deepEqual(
      Object.keys(call.metadata.getMap()).filter((k) => !['user-agent'].includes(k)),
      [],
    );
    const deadline = call.deadline instanceof Date ? call.deadline.getTime() : call.deadline;
    assert.ok(deadline >= started + 119_000 && deadline <= Date.now() + 120_000, 'kubelet deadline of 2 minutes');

    assert.equal(outcome.written, true);
    assert.deepEqual(outcome.objectVersions, [
      { id: 'db/password', version: 'v1' },
      { id: 'config.json', version: 'v1' },
    ]);
    assert.deepEqual(
      outcome.files.map((f) => [f.path, f.mode, f.contents.toString()]),
      [
        ['db/password', 0o600, 's3cret'],
        ['config.json', 0o644, '{}'],
      ],
    );
    assert.deepEqual(await mounted(path), { 'config.json': '644:{}', 'db/password': '600:s3cret' });

    const again = await driver.mount(pod, volume, path);
    assert.equal(again.written, false, 'identical contents are not rewritten');
  });

  test('a <= v1.5.x authority (the percent-encoded socket path) reaches the provider verbatim', async () => {
    provider.handlers = { mount: () => respond({ a: ['A', 0o644] }) };
    const socketPath = join(dir, 'vault.sock');
    const authority = legacyDriverAuthority(socketPath);
    assert.equal(authority, socketPath.replaceAll('/', '%2F'));
    const old = new DriverEmulator({ socketPath, issuer, authority });
    try {
      await old.mount(pod, volume, target());
      assert.equal(provider.mountCalls.at(-1)!.authority, authority);
    } finally {
      old.close();
    }
  });

  test('canary: a raw path authority is reset by the Node HTTP/2 server before any handler runs', async () => {
    provider.handlers = { mount: () => respond({ a: ['A', 0o644] }) };
    const calls = provider.mountCalls.length;
    const raw = new DriverEmulator({ socketPath: join(dir, 'vault.sock'), issuer, authority: join(dir, 'vault.sock') });
    try {
      await assert.rejects(raw.mount(pod, volume, target(), { deadlineMs: 5000 }), {
        code: grpc.status.INTERNAL,
        details: /RST_STREAM with code 1/,
      });
      assert.equal(provider.mountCalls.length, calls);
    } finally {
      raw.close();
    }
  });

  test('a provider NOT_FOUND reaches the caller unchanged and leaves files untouched', async () => {
    const path = target();
    provider.handlers = { mount: () => respond({ a: ['A', 0o644] }) };
    await driver.mount(pod, volume, path);
    const data = await readlink(join(path, '..data'));

    provider.handlers = {
      mount: () => {
        throw new ProviderStatus(grpc.status.NOT_FOUND, 'secret "kv/data/db" not found: check objects[0].secretPath');
      },
    };
    await assert.rejects(driver.mount(pod, volume, path), (error: grpc.ServiceError) => {
      assert.equal(error.code, grpc.status.NOT_FOUND);
      assert.equal(error.details, 'secret "kv/data/db" not found: check objects[0].secretPath');
      return true;
    });
    assert.equal(await readlink(join(path, '..data')), data);
    assert.deepEqual(await mounted(path), { a: '644:A' });
  });

  test('response checks: Error.code, missing object versions, empty files, bad paths', async () => {
    const path = target();
    provider.handlers = { mount: () => respond({ a: ['A', 0o644] }) };
    await driver.mount(pod, volume, path);

    provider.handlers = { mount: () => ({ ...respond({ a: ['B', 0o644] }), error: { code: 'AuthenticationFailed' } }) };
    await assert.rejects(driver.mount(pod, volume, path), (error: DriverMountError) => {
      assert.ok(error instanceof DriverMountError);
      assert.equal(error.code, 'AuthenticationFailed');
      assert.equal(error.message, 'mount request failed with provider error code AuthenticationFailed');
      return true;
    });

    provider.handlers = { mount: () => ({ files: [{ path: 'a', mode: 0o644, contents: Buffer.from('B') }] }) };
    await assert.rejects(driver.mount(pod, volume, path), {
      name: 'DriverMountError',
      code: 'GRPCProviderError',
      message: 'missing object versions',
    });

    provider.handlers = { mount: () => ({ objectVersion: [{ id: 'a', version: '2' }], files: [] }) };
    const legacy = await driver.mount(pod, volume, path);
    assert.equal(legacy.written, false, 'an empty file list writes nothing and does not clear the mount');

    provider.handlers = { mount: () => respond({ a: ['B', 0o644], '../escape': ['x', 0o644] }) };
    await assert.rejects(driver.mount(pod, volume, path), {
      code: 'FileWriteError',
      message: /must not contain '\.\.'/,
    });

    assert.deepEqual(await mounted(path), { a: '644:A' });
  });

  test('rotation: changed and removed files are swapped in atomically', async () => {
    const path = target();
    provider.handlers = { mount: () => respond({ a: ['A1', 0o644], b: ['B', 0o400] }) };
    await driver.mount(pod, volume, path);
    provider.handlers = { mount: () => respond({ a: ['A2', 0o644] }, 'v2') };
    const outcome = await driver.mount(pod, volume, path);
    assert.equal(outcome.written, true);
    assert.deepEqual(await mounted(path), { a: '644:A2' });
  });

  // The one test that keeps the driver's real retry timings (1 s, then 1.1 s); the harnesses use
  // FAST_RETRY_BACKOFF so that a failure case does not sleep.
  test('UNAVAILABLE is retried by the service config', async () => {
    let attempts = 0;
    provider.handlers = {
      mount: () => {
        attempts += 1;
        if (attempts === 1) throw new ProviderStatus(grpc.status.UNAVAILABLE, 'warming up');
        return respond({ a: ['A', 0o644] });
      },
    };
    await driver.mount(pod, volume, target());
    assert.equal(attempts, 2);
  });

  test('responses above 4 MiB fail with RESOURCE_EXHAUSTED', async () => {
    provider.handlers = { mount: () => respond({ big: ['x'.repeat(4 * 1024 * 1024 + 1), 0o644] }) };
    await assert.rejects(driver.mount(pod, volume, target()), { code: grpc.status.RESOURCE_EXHAUSTED });
  });

  test('a socket nobody serves waits for the deadline (waitForReady)', async () => {
    const nobody = new DriverEmulator({ socketPath: join(dir, 'absent.sock'), issuer });
    try {
      // Without waitForReady the call would fail at once with UNAVAILABLE, not at its deadline.
      await assert.rejects(nobody.mount(pod, volume, target(), { deadlineMs: 300 }), {
        code: grpc.status.DEADLINE_EXCEEDED,
      });
    } finally {
      nobody.close();
    }
  });

  test('version() sends v1alpha1 and returns the provider identity', async () => {
    provider.handlers = {
      version: () => ({ version: 'v1alpha1', runtimeName: 'vault-csi-provider', runtimeVersion: '0.1.0' }),
    };
    assert.deepEqual(await driver.version(), {
      version: 'v1alpha1',
      runtimeName: 'vault-csi-provider',
      runtimeVersion: '0.1.0',
    });
    assert.equal(provider.versionCalls.at(-1)!.request.version, 'v1alpha1');
  });

  test('republishEvery calls again with fresh tokens and masks errors', async () => {
    const path = target();
    let content = 'A1';
    provider.handlers = { mount: () => respond({ a: [content, 0o644] }) };
    await driver.mount(pod, volume, path);
    const before = provider.mountCalls.length;
    const errors: unknown[] = [];
    const republisher = driver.republishEvery(20, pod, volume, path, { onError: (e) => errors.push(e) });
    content = 'A2';
    while (republisher.calls < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    provider.handlers = {
      mount: () => {
        throw new ProviderStatus(grpc.status.PERMISSION_DENIED, 'denied');
      },
    };
    while (errors.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await republisher.stop();

    assert.deepEqual(await mounted(path), { a: '644:A2' }, 'a failed republish keeps the last good files');
    const tokenOf = (i: number) =>
      (JSON.parse(provider.mountCalls[i]!.request.attributes) as Record<string, string>)[
        'csi.storage.k8s.io/serviceAccount.tokens'
      ];
    assert.notEqual(tokenOf(before), tokenOf(before - 1));
    assert.equal((errors[0] as grpc.ServiceError).code, grpc.status.PERMISSION_DENIED);
  });

  test('republishEvery with a rotation poll interval skips while the mount is fresh', async () => {
    const path = target();
    provider.handlers = { mount: () => respond({ a: ['A', 0o644] }) };
    await driver.mount(pod, volume, path);
    const republisher = driver.republishEvery(10, pod, volume, path, { rotationPollIntervalMs: 60_000 });
    while (republisher.ticks < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    await republisher.stop();
    assert.equal(republisher.calls, 0);
  });
});
