import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readMountedFiles } from '../support/driver/index.js';
import { SAMPLE, spcParameters, startHarness, type Harness } from '../support/harness.js';

describe('KV secrets through the socket, as the Go provider would serve them', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('kv v2 with secretKey, kv v1, non-string values, modes and encodings', async () => {
    const objects = `
- objectName: username
  secretPath: secret/data/app
  secretKey: username
- objectName: password
  secretPath: /v1/secret/data/app
  secretKey: password
  filePermission: 0600
- objectName: port
  secretPath: secret/data/app
  secretKey: port
- objectName: flags.json
  secretPath: secret/data/app
  secretKey: flags
- objectName: api-key
  secretPath: kv/legacy
  secretKey: apiKey
- objectName: keystore.jks
  secretPath: kv/legacy
  secretKey: keystoreBase64
  encoding: base64
- objectName: nested/keystore.bin
  secretPath: v1/kv/legacy
  secretKey: keystoreHex
  encoding: HEX
`;
    const outcome = await h.mount(h.appPod(), spcParameters(objects));
    const files = await readMountedFiles(outcome.target);
    const text = (name: string) => files.get(name)?.contents.toString('utf8');
    assert.equal(text('username'), SAMPLE.kv2.data.username);
    assert.equal(text('password'), SAMPLE.kv2.data.password);
    assert.equal(text('port'), '5432');
    assert.equal(text('flags.json'), '{"tls":true}');
    assert.equal(text('api-key'), SAMPLE.kv1.data.apiKey);
    assert.deepEqual(files.get('keystore.jks')?.contents, Buffer.from([0xfe, 0xed, 0x00, 0x01, 0x42]));
    assert.deepEqual(files.get('nested/keystore.bin')?.contents, Buffer.from([0xca, 0xfe, 0x00, 0xff]));
    assert.equal(files.get('password')?.mode, 0o600);
    assert.equal(files.get('username')?.mode, 0o644, 'default mode comes from the request permission "420"');
    assert.deepEqual(
      outcome.objectVersions.map((version) => version.id),
      ['username', 'password', 'port', 'flags.json', 'api-key', 'keystore.jks', 'nested/keystore.bin'],
    );
    for (const { version } of outcome.objectVersions) assert.match(version, /^[A-Za-z0-9_-]{43}=$/);
  });

  test('objects reading one path share one Vault read', async () => {
    h.vault.stats.reset();
    const objects = `
- {objectName: a, secretPath: secret/data/app, secretKey: username}
- {objectName: b, secretPath: /v1/secret/data/app, secretKey: password}
- {objectName: c, secretPath: secret/data/app}
`;
    await h.mount(h.appPod(), spcParameters(objects));
    const reads = h.vault.stats.requests.filter((request) => request.path === '/v1/secret/data/app');
    assert.equal(reads.length, 1);
  });

  test('whole-secret mode is stable between reads and changes when the data changes', async () => {
    const pod = h.appPod();
    const params = spcParameters(`
- objectName: whole.json
  secretPath: secret/data/app
`);
    const target = h.target();
    const first = await h.mount(pod, params, target);
    const second = await h.mount(pod, params, target);
    assert.deepEqual(second.files, first.files);
    assert.deepEqual(second.objectVersions, first.objectVersions);
    assert.equal(second.written, false, 'identical content must not make the driver rewrite the volume');
    const whole = JSON.parse(first.files[0]!.contents.toString('utf8')) as {
      data: { data: Record<string, unknown> };
      request_id: string;
    };
    assert.deepEqual(whole.data.data, SAMPLE.kv2.data);
    assert.equal(whole.request_id, '');

    h.vault.writeKv('secret', 'app', { ...SAMPLE.kv2.data, password: 'rotated' });
    try {
      const third = await h.mount(pod, params, target);
      assert.notDeepEqual(third.objectVersions, first.objectVersions);
      assert.equal(third.written, true);
    } finally {
      h.vault.writeKv('secret', 'app', SAMPLE.kv2.data);
    }
  });

  test('rotation: a republish delivers the new value and only the changed object gets a new version', async () => {
    h.vault.writeKv('secret', 'app/rotating', { token: 'one', stable: 'same' });
    const pod = h.appPod();
    const params = spcParameters(`
- {objectName: token, secretPath: secret/data/app/rotating, secretKey: token}
- {objectName: stable, secretPath: secret/data/app/rotating, secretKey: stable}
`);
    const target = h.target();
    const first = await h.mount(pod, params, target);
    h.vault.writeKv('secret', 'app/rotating', { token: 'two', stable: 'same' });
    const second = await h.mount(pod, params, target);
    const files = await readMountedFiles(target);
    assert.equal(files.get('token')?.contents.toString(), 'two');
    assert.notEqual(second.objectVersions[0]!.version, first.objectVersions[0]!.version);
    assert.equal(second.objectVersions[1]!.version, first.objectVersions[1]!.version);
  });

  test('kv v2 ?version= query selects an older version', async () => {
    h.vault.writeKv('secret', 'app/versioned', { value: 'v1' });
    h.vault.writeKv('secret', 'app/versioned', { value: 'v2' });
    const outcome = await h.mount(
      h.appPod(),
      spcParameters(`
- {objectName: old, secretPath: "secret/data/app/versioned?version=1", secretKey: value}
- {objectName: new, secretPath: secret/data/app/versioned, secretKey: value}
`),
    );
    assert.equal(outcome.files[0]!.contents.toString(), 'v1');
    assert.equal(outcome.files[1]!.contents.toString(), 'v2');
  });

  test('same content under two object definitions gets two different versions', async () => {
    const outcome = await h.mount(
      h.appPod(),
      spcParameters(`
- {objectName: one, secretPath: secret/data/app, secretKey: username}
- {objectName: two, secretPath: secret/data/app, secretKey: username}
`),
    );
    assert.deepEqual(outcome.files[0]!.contents, outcome.files[1]!.contents);
    assert.notEqual(outcome.objectVersions[0]!.version, outcome.objectVersions[1]!.version);
  });
});
