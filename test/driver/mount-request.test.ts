import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { importSPKI, jwtVerify } from 'jose';
import { makePod } from '../support/cluster/pod.js';
import { createServiceAccountIssuer, type ServiceAccountIssuer } from '../support/cluster/service-account-issuer.js';
import {
  DriverEmulator,
  DriverMountError,
  attributeKeys,
  goMarshalStringMap,
  type DriverEmulatorOptions,
  type VolumeFixture,
} from '../support/driver/index.js';

const tokensKey = attributeKeys.serviceAccountTokens;
const pod = makePod({ namespace: 'apps', name: 'web-0', serviceAccountName: 'web' });
const volume: VolumeFixture = {
  spc: {
    name: 'vault-db',
    parameters: { roleName: 'db', vaultAddress: 'http://vault:8200', objects: '- objectName: a' },
  },
  volumeAttributes: { roleName: 'shadowed-by-pod', extra: 'x' },
};

let issuer: ServiceAccountIssuer;
const emulators: DriverEmulator[] = [];
function emulator(options: Partial<DriverEmulatorOptions> = {}): DriverEmulator {
  // Nothing listens here: building a request never dials.
  const e = new DriverEmulator({ socketPath: '/nonexistent/vault.sock', issuer, ...options });
  emulators.push(e);
  return e;
}
async function attributesOf(e: DriverEmulator, v: VolumeFixture = volume): Promise<Record<string, string>> {
  return JSON.parse((await e.buildRequest(pod, v, '/target')).attributes!) as Record<string, string>;
}
type Tokens = Record<string, { token: string; expirationTimestamp: string }>;

before(async () => {
  issuer = await createServiceAccountIssuer({ algorithm: 'ES256' });
});
after(() => {
  for (const e of emulators) e.close();
});

describe('DriverEmulator.buildRequest', () => {
  test('SPC parameters, overlaid by volume attributes, then kubelet pod keys', async () => {
    const request = await emulator({ tokenAudiences: [] }).buildRequest(pod, volume, '/var/lib/kubelet/pods/x/mount');
    assert.equal(request.targetPath, '/var/lib/kubelet/pods/x/mount');
    assert.equal(request.permission, '420');
    assert.deepEqual(request.currentObjectVersion, []);
    assert.equal(request.secrets, 'null');
    assert.deepEqual(JSON.parse(request.attributes!), {
      roleName: 'shadowed-by-pod',
      vaultAddress: 'http://vault:8200',
      objects: '- objectName: a',
      extra: 'x',
      secretProviderClass: 'vault-db',
      'csi.storage.k8s.io/pod.name': 'web-0',
      'csi.storage.k8s.io/pod.namespace': 'apps',
      'csi.storage.k8s.io/pod.uid': pod.uid,
      'csi.storage.k8s.io/serviceAccount.name': 'web',
      'csi.storage.k8s.io/ephemeral': 'true',
    });
  });

  test('attributes are marshalled like Go: sorted keys, HTML-safe escapes', async () => {
    const v: VolumeFixture = { spc: { name: 's', parameters: { b: '<&>', a: 'line\nbreak\u2028' } } };
    const { attributes } = await emulator({ tokenAudiences: [] }).buildRequest(pod, v, '/t');
    assert.ok(
      attributes!.startsWith(
        '{"a":"line\\nbreak\\u2028","b":"\\u003c\\u0026\\u003e","csi.storage.k8s.io/ephemeral":"true",',
      ),
    );
    assert.equal(goMarshalStringMap({ z: '1', é: '2', A: '3' }), '{"A":"3","z":"1","é":"2"}');
  });

  test('kubelet keys win over volume attributes of the same name', async () => {
    const v: VolumeFixture = {
      ...volume,
      volumeAttributes: { 'csi.storage.k8s.io/pod.name': 'spoofed', 'csi.storage.k8s.io/ephemeral': 'false' },
    };
    const attributes = await attributesOf(emulator({ tokenAudiences: [] }), v);
    assert.equal(attributes['csi.storage.k8s.io/pod.name'], 'web-0');
    assert.equal(attributes['csi.storage.k8s.io/ephemeral'], 'true');
  });

  test('tokens JSON holds one freshly signed token per configured audience', async () => {
    const e = emulator({ tokenAudiences: ['vault', 'aud2'] });
    const first = JSON.parse((await attributesOf(e))[tokensKey]!) as Tokens;
    assert.deepEqual(Object.keys(first), ['aud2', 'vault']);
    const key = await importSPKI(issuer.publicKeyPem, 'ES256');
    for (const audience of ['vault', 'aud2']) {
      const { payload } = await jwtVerify(first[audience]!.token, key, { audience });
      assert.equal(payload.sub, 'system:serviceaccount:apps:web');
      assert.match(first[audience]!.expirationTimestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    }
    const second = JSON.parse((await attributesOf(e))[tokensKey]!) as Tokens;
    assert.notEqual(second.vault!.token, first.vault!.token, 'kubelet mints a new token on every publish');
  });

  test('default audience is vault; tokens JSON keeps Go field order', async () => {
    const raw = (await attributesOf(emulator()))[tokensKey]!;
    assert.match(raw, /^\{"vault":\{"token":"[^"]+","expirationTimestamp":"[^"]+"\}\}$/);
  });

  test('an empty audience gets a token for the API server audience', async () => {
    const tokens = JSON.parse((await attributesOf(emulator({ tokenAudiences: [''] })))[tokensKey]!) as Tokens;
    const { payload } = await jwtVerify(tokens['']!.token, await importSPKI(issuer.publicKeyPem, 'ES256'));
    assert.deepEqual(payload.aud, [issuer.issuer]);
  });

  test('no tokenRequests: no tokens key, but a pod author can pass one through volumeAttributes', async () => {
    assert.equal(tokensKey in (await attributesOf(emulator({ tokenAudiences: [] }))), false);
    const forged = { ...volume, volumeAttributes: { [tokensKey]: '{"vault":{"token":"forged"}}' } };
    assert.equal(
      (await attributesOf(emulator({ tokenAudiences: [] }), forged))[tokensKey],
      '{"vault":{"token":"forged"}}',
    );
    // With tokenRequests kubelet overwrites the forged value.
    assert.notEqual((await attributesOf(emulator(), forged))[tokensKey], '{"vault":{"token":"forged"}}');
  });

  test('nodePublishSecretRef data goes to secrets as a JSON map', async () => {
    const v = { ...volume, nodePublishSecret: { username: 'u', password: 'p' } };
    const request = await emulator({ tokenAudiences: [] }).buildRequest(pod, v, '/t');
    assert.equal(request.secrets, '{"password":"p","username":"u"}');
    const empty = await emulator({ tokenAudiences: [] }).buildRequest(pod, { ...volume, nodePublishSecret: {} }, '/t');
    assert.equal(empty.secrets, 'null', 'protobuf cannot carry an empty map, so the driver sees nil');
  });

  test('tokensInSecrets: tokens in secrets, and the driver copies them into attributes', async () => {
    const e = emulator({ tokensInSecrets: true });
    const request = await e.buildRequest(pod, { ...volume, nodePublishSecret: { k: 'v' } }, '/t');
    const secrets = JSON.parse(request.secrets!) as Record<string, string>;
    const attributes = JSON.parse(request.attributes!) as Record<string, string>;
    assert.deepEqual(Object.keys(secrets), [tokensKey, 'k']);
    assert.equal(attributes[tokensKey], secrets[tokensKey]);
    assert.ok((JSON.parse(secrets[tokensKey]!) as Tokens).vault!.token.split('.').length === 3);
    // Without a nodePublishSecretRef the secrets map holds only the tokens.
    const bare = JSON.parse((await e.buildRequest(pod, volume, '/t')).secrets!) as Record<string, string>;
    assert.deepEqual(Object.keys(bare), [tokensKey]);
  });

  test('tokensInSecrets: the secrets value wins over a tokens volume attribute', async () => {
    const forged = { ...volume, volumeAttributes: { [tokensKey]: 'forged' } };
    const request = await emulator({ tokensInSecrets: true }).buildRequest(pod, forged, '/t');
    const secrets = JSON.parse(request.secrets!) as Record<string, string>;
    assert.equal((JSON.parse(request.attributes!) as Record<string, string>)[tokensKey], secrets[tokensKey]);
  });

  test('unusable SecretProviderClass fails before any call', async () => {
    const e = emulator();
    await assert.rejects(e.buildRequest(pod, { spc: { name: 's', parameters: {} } }, '/t'), DriverMountError);
    await assert.rejects(
      e.buildRequest(pod, { spc: { name: 's', provider: 'a/b', parameters: { x: '1' } } }, '/t'),
      /invalid provider/,
    );
    await assert.rejects(
      e.buildRequest(
        pod,
        { spc: { name: 's', parameters: { x: '1' } }, volumeAttributes: { secretProviderClass: 'other' } },
        '/t',
      ),
      /secretProviderClass/,
    );
  });

  test('options are validated', () => {
    assert.throws(() => emulator({ tokenAudiences: ['a', 'a'] }), /repeat/);
    assert.throws(() => emulator({ tokenExpirationSeconds: 60 }), /tokenExpirationSeconds/);
    assert.throws(() => emulator({ socketPath: '' }), /socketPath/);
  });
});
