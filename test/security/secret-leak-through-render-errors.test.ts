/**
 * Threat: a secret value reaches a pod event or a log line through a render error. The additive
 * render features (`format`, `pki`, `jmesPath`, `template`) read every value of a secret, and
 * their errors are shown to whoever can read the namespace's events. Control: their messages
 * name objects, keys, types and limits, never values.
 * This renders every format over data holding a marker value (proving the marker is really
 * rendered), then drives each format, PKI, selection and template error path through the
 * socket and searches the gRPC details and every provider log line for the marker.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { spcParameters, startHarness } from '../support/harness.js';
import { failureOf } from './attack-kit.js';

const MARKER = 'leak-marker-value-5a17';
/** A valid Ed25519 key, so the pkcs1 conversion fails on the key type: its body must not leak either. */
const ED25519_PEM = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ED25519_BODY = ED25519_PEM.split('\n')[1] ?? '';

const DATA = {
  username: `${MARKER}-user`,
  password: MARKER,
  'bad-key': MARKER,
  nested: { deep: MARKER },
  list: [MARKER, 1],
  nul: `${MARKER}\u0000`,
};
/** A key as long as a value: an error names it, cut short. */
const LONG_KEY = `k-${'x'.repeat(5000)}`;
const PKI = {
  certificate: `-----BEGIN CERTIFICATE-----\n${MARKER}\n-----END CERTIFICATE-----\n`,
  private_key: `${MARKER}-not-a-key`,
  issuing_ca: `-----BEGIN CERTIFICATE-----\n${MARKER}-ca\n-----END CERTIFICATE-----\n`,
};

const DATA_PATH = 'secret/data/leak/data';
const GOOD_SELECTION = '"{user: username, pass: password, nested: nested, list: list}"';

/** Each entry: one object whose render fails, and the message part that says why. */
const FAILURES: readonly { what: string; object: string; says: RegExp }[] = [
  { what: 'format over a string', object: `secretKey: password, format: json`, says: /selection is a string/ },
  { what: 'env key not an identifier', object: `format: env`, says: /key "bad-key" cannot be written/ },
  { what: 'dotenv key not an identifier', object: `format: dotenv`, says: /key "bad-key" cannot be written/ },
  { what: 'env value with NUL', object: `jmesPath: "{nul: nul}", format: env`, says: /key "nul" contains a NUL/ },
  { what: 'dotenv value with NUL', object: `jmesPath: "{nul: nul}", format: dotenv`, says: /key "nul" contains/ },
  {
    what: 'format output not base64',
    object: `jmesPath: ${GOOD_SELECTION}, format: yaml, encoding: base64`,
    says: /the selected value is not valid base64/,
  },
  {
    what: 'properties output not hex',
    object: `jmesPath: ${GOOD_SELECTION}, format: properties, encoding: hex`,
    says: /not valid hex/,
  },
  { what: 'jmesPath selects nothing', object: `jmesPath: missing, format: json`, says: /selects nothing/ },
  { what: 'jmesPath type error', object: `jmesPath: "abs(password)"`, says: /Invalid type/ },
  { what: 'secretKey missing', object: `secretKey: absent, format: env`, says: /key "absent" does not exist/ },
  { what: 'pki on data without a certificate', object: `pki: certificate`, says: /needs "certificate"/ },
  { what: 'pki issuing CA missing', object: `pki: issuing-ca`, says: /needs "issuing_ca"/ },
];

/** Failures over other secrets than DATA. */
const OTHER_FAILURES: readonly { what: string; path: string; object: string; says: RegExp }[] = [
  { what: 'a 5000-character key', path: 'secret/data/leak/long', object: 'format: env', says: /key "k-x+…" cannot/ },
  {
    what: 'a PEM-less private key converted',
    path: 'secret/data/leak/pki',
    object: 'pki: private-key, keyFormat: pkcs8',
    says: /private_key is not a PEM or DER private key/,
  },
  {
    what: 'a PEM-less private key in a bundle',
    path: 'secret/data/leak/pki',
    object: 'pki: bundle',
    says: /private_key is not a PEM or DER private key/,
  },
  {
    what: 'pkcs1 of an Ed25519 key',
    path: 'secret/data/leak/ed25519',
    object: 'pki: private-key, keyFormat: pkcs1',
    says: /keyFormat pkcs1 needs an RSA or EC key, but Vault issued a ed25519 key/,
  },
  {
    what: 'PEM output not hex',
    path: 'secret/data/leak/pki',
    object: 'pki: fullchain, encoding: hex',
    says: /the PEM output is not valid hex/,
  },
];

const TEMPLATE_FAILURES: readonly { what: string; template: string; says: RegExp }[] = [
  { what: 'parseJSON of a value', template: '.Data.data.password | parseJSON', says: /parseJSON/ },
  { what: 'base64Decode of a value', template: '.Data.data.password | base64Decode', says: /base64/ },
  { what: 'a field of a string', template: '.Data.data.password.foo', says: /can't evaluate field foo/ },
  { what: 'ranging over a string', template: 'range .Data.data.password }}{{ . }}{{ end', says: /range can't/ },
  { what: 'indexing a value', template: 'index .Data.data.password "x"', says: /cannot index/ },
  { what: 'ordering a value', template: 'lt .Data.data.password 1', says: /incompatible types/ },
];

describe('threat: secret values leak through render errors (format, pki, jmesPath, template)', () => {
  test('every format renders the marker; no error path shows it in gRPC details or the logs', async () => {
    const h = await startHarness();
    try {
      h.vault.writeKv('secret', 'leak/data', DATA);
      h.vault.writeKv('secret', 'leak/pki', PKI);
      h.vault.writeKv('secret', 'leak/ed25519', { ...PKI, private_key: ED25519_PEM });
      h.vault.writeKv('secret', 'leak/long', { [LONG_KEY]: MARKER });
      h.vault.writePolicy('leak', [{ path: 'secret/data/leak/*', capabilities: ['read'] }]);
      h.vault.writeKubernetesRole('kubernetes', 'app', {
        boundServiceAccountNames: ['app'],
        boundServiceAccountNamespaces: ['default'],
        audience: 'vault',
        policies: ['app-read', 'leak'],
        ttlSeconds: 3600,
      });

      const formats = ['env', 'dotenv', 'json', 'yaml', 'properties'];
      const rendered = await h.mount(
        h.appPod(),
        spcParameters(
          formats
            .map((f) => `- {objectName: out.${f}, secretPath: ${DATA_PATH}, jmesPath: ${GOOD_SELECTION}, format: ${f}}`)
            .join('\n'),
        ),
      );
      for (const file of rendered.files) {
        assert.ok(file.contents.toString('utf8').includes(MARKER), `${file.path} holds the marker: the sweep is real`);
      }

      const attempts = [
        ...FAILURES.map(({ what, object, says }) => ({
          what,
          says,
          objects: `- {objectName: f, secretPath: ${DATA_PATH}, ${object}}`,
        })),
        ...OTHER_FAILURES.map(({ what, path, object, says }) => ({
          what,
          says,
          objects: `- {objectName: f, secretPath: ${path}, ${object}}`,
        })),
        ...TEMPLATE_FAILURES.map(({ what, template, says }) => ({
          what,
          says,
          objects: `- objectName: f\n  template: '{{ with secret "${DATA_PATH}" }}{{ ${template} }}{{ end }}'`,
        })),
      ];
      for (const { what, says, objects } of attempts) {
        const failure = await failureOf(h.mount(h.appPod(), spcParameters(objects), h.target()));
        const details = failure.details ?? '';
        assert.notEqual(failure.code, status.OK, what);
        assert.match(details, says, what);
        assert.ok(!details.includes(MARKER), `${what}: the value is in the error: ${details}`);
        assert.ok(!details.includes(ED25519_BODY), `${what}: the key is in the error`);
        assert.ok(details.length < 1000, `${what}: ${details.length} characters of details`);
      }
      const logs = h.logs.join('\n');
      assert.ok(
        logs.includes('"audit":true') && logs.includes('"result":"INVALID_ARGUMENT"'),
        'the failures were logged',
      );
      assert.ok(!logs.includes(MARKER), 'a value reached the provider logs');
      assert.ok(!logs.includes(ED25519_BODY), 'a private key reached the provider logs');
    } finally {
      await h.stop();
    }
  });
});
