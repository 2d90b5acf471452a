/**
 * The additive object features through the real socket and the dev Vault over HTTP: nested
 * selection, formats, templates (the injector example byte for byte, one read per unique
 * request), PKI bundles a Node TLS server accepts, and decoding after selection.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { readMountedFiles } from '../support/driver/index.js';
import { seedFileFeatures } from '../support/file-features-seed.js';
import { spcParameters, startHarness, type Harness } from '../support/harness.js';

describe('files the way applications want them, through the socket', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    seedFileFeatures(h.vault);
  });
  after(async () => {
    await h.stop();
  });

  const mountText = async (objects: string) => {
    const outcome = await h.mount(h.appPod(), spcParameters(objects));
    const files = await readMountedFiles(outcome.target);
    return { outcome, files, text: (name: string) => files.get(name)?.contents.toString('utf8') };
  };

  test('the injector example renders byte for byte', async () => {
    const objects = `
- objectName: config.env
  template: |
    {{ with secret "k8s/data/myapp/prod" }}
    MYKEY={{ .Data.data.mykey }}
    {{ end }}
`;
    const { text } = await mountText(objects);
    // Go text/template keeps the newline after {{ with }} and after the MYKEY line.
    assert.equal(text('config.env'), '\nMYKEY=myvalue\n\n');
  });

  test('templates, selections and formats share one read per unique request', async () => {
    h.vault.stats.reset();
    const objects = `
- objectName: db-url
  template: '{{ with secret "secret/data/app" }}postgres://{{ .Data.data.username }}:{{ .Data.data.password }}@db:{{ .Data.data.port }}/app{{ end }}'
- objectName: tls-flag
  secretPath: secret/data/app
  jmesPath: flags.tls
- objectName: app.env
  secretPath: secret/data/app
  format: env
- objectName: app.json
  secretPath: secret/data/app
  jmesPath: '{user: username, port: port}'
  format: json
- objectName: keystore.bin
  secretPath: kv/legacy
  jmesPath: keystoreBase64
  encoding: base64
`;
    const { text, files, outcome } = await mountText(objects);
    assert.equal(text('db-url'), 'postgres://app-user:s3cr3t-Pa55@db:5432/app');
    assert.equal(text('tls-flag'), 'true');
    assert.equal(text('app.env'), `flags='{"tls":true}'\npassword='s3cr3t-Pa55'\nport='5432'\nusername='app-user'\n`);
    assert.equal(text('app.json'), '{\n  "port": 5432,\n  "user": "app-user"\n}\n');
    assert.deepEqual(files.get('keystore.bin')?.contents, Buffer.from([0xfe, 0xed, 0x00, 0x01, 0x42]));
    const reads = h.vault.stats.requests.filter((request) => request.path.includes('/secret/data/app'));
    assert.equal(reads.length, 1, 'the template and the objects share one read of secret/data/app');
    assert.equal(outcome.objectVersions.length, 5);
  });

  test('a template error fails the mount with its line and column, naming no value', async () => {
    const objects = `
- objectName: broken
  template: |
    {{ with secret "secret/data/app" }}
    {{ .Data.data.nope.deeper }}
    {{ end }}
`;
    await assert.rejects(
      h.mount(h.appPod(), spcParameters(objects)),
      (error: Error) => /line 2, column \d+/.test(error.message) && !error.message.includes('s3cr3t'),
    );
  });

  test('a template read the role may not make names the template object', async () => {
    const objects = `
- objectName: forbidden.conf
  template: '{{ with secret "secret/data/forbidden" }}{{ .Data.data.x }}{{ end }}'
`;
    await assert.rejects(h.mount(h.appPod(), spcParameters(objects)), (error: Error) => {
      assert.match(error.message, /object "forbidden.conf": permission denied on secret\/data\/forbidden/);
      return true;
    });
  });

  for (const keyType of ['rsa', 'ec'] as const) {
    test(`a PKI bundle from one issuance serves TLS (${keyType} key, PKCS#1 and PKCS#8)`, async () => {
      h.vault.writePkiRole(`web-${keyType}`, {
        allowedDomains: ['example.com'],
        allowSubdomains: true,
        keyType,
      });
      h.vault.stats.reset();
      const request = `secretPath: pki/issue/web-${keyType}
  method: PUT
  secretArgs: {common_name: www.example.com, private_key_format: pkcs8}`;
      const objects = `
- objectName: tls.crt
  pki: fullchain
  ${request}
- objectName: tls.key
  pki: private-key
  keyFormat: pkcs1
  filePermission: 0600
  ${request}
- objectName: ca.crt
  pki: ca-chain
  ${request}
- objectName: bundle.pem
  pki: bundle
  keyFormat: pkcs8
  ${request}
`;
      const { files, text } = await mountText(objects);
      assert.equal(h.vault.stats.certificatesIssued, 1, 'four files, one issuance');
      const key = text('tls.key') ?? '';
      assert.match(key, keyType === 'rsa' ? /^-----BEGIN RSA PRIVATE KEY-----\n/ : /^-----BEGIN EC PRIVATE KEY-----\n/);
      assert.equal(files.get('tls.key')?.mode, 0o600);
      assert.match(text('bundle.pem') ?? '', /-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n/);
      assert.equal(text('ca.crt')?.trim(), h.vault.pkiCaPem.trim());

      for (const options of [
        { cert: text('tls.crt') ?? '', key },
        { cert: text('bundle.pem') ?? '', key: text('bundle.pem') ?? '' },
      ]) {
        const server = tls.createServer(options, (socket) => socket.end('hello over tls'));
        server.listen(0, '127.0.0.1');
        await once(server, 'listening');
        try {
          const { port } = server.address() as AddressInfo;
          const client = tls.connect({
            port,
            host: '127.0.0.1',
            servername: 'www.example.com',
            ca: text('ca.crt') ?? '',
          });
          const chunks: Buffer[] = [];
          client.on('data', (chunk: Buffer) => chunks.push(chunk));
          await once(client, 'end');
          assert.equal(client.authorized, true);
          assert.equal(Buffer.concat(chunks).toString(), 'hello over tls');
          client.destroy();
        } finally {
          server.close();
        }
      }
    });
  }
});
