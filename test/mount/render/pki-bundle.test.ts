import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { InvalidParameterError, SecretNotFoundError } from '../../../src/errors.js';
import { parseObjects } from '../../../src/mount/parse/objects.js';
import { renderPki } from '../../../src/mount/render/pki-bundle.js';

const CERT = '-----BEGIN CERTIFICATE-----\nTEFBRg==\n-----END CERTIFICATE-----';
const CA = '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----';
const ROOT = '-----BEGIN CERTIFICATE-----\nUk9PVA==\n-----END CERTIFICATE-----';

function pki(fields: string, data: Record<string, unknown>): string {
  const object = parseObjects(`- {objectName: f, secretPath: pki/issue/web, method: PUT, ${fields}}`).objects[0];
  assert.ok(object);
  return renderPki(object, data).toString('utf8');
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const rsaPkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const ecSec1 = ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const rsaPkcs8Der = rsa.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');

describe('pki parts', () => {
  const issued = { certificate: CERT, issuing_ca: CA, ca_chain: [CA, ROOT], private_key: rsaPkcs1 };
  const cases: [string, string][] = [
    ['pki: certificate', `${CERT}\n`],
    ['pki: issuing-ca', `${CA}\n`],
    ['pki: ca-chain', `${CA}\n${ROOT}\n`],
    ['pki: fullchain', `${CERT}\n${CA}\n${ROOT}\n`],
    ['pki: private-key', rsaPkcs1],
    ['pki: bundle', `${CERT}\n${CA}\n${ROOT}\n${rsaPkcs1}`],
  ];
  for (const [fields, expected] of cases) {
    test(fields, () => assert.equal(pki(fields, issued), expected));
  }

  test('ca-chain falls back to issuing_ca, and a leaf repeated in the chain is dropped', () => {
    assert.equal(pki('pki: ca-chain', { certificate: CERT, issuing_ca: CA }), `${CA}\n`);
    assert.equal(
      pki('pki: fullchain', { certificate: CERT, issuing_ca: CA, ca_chain: [CERT, CA] }),
      `${CERT}\n${CA}\n`,
    );
  });

  const conversions: [string, string, RegExp, string][] = [
    ['RSA PKCS#1 → PKCS#8', rsaPkcs1, /^-----BEGIN PRIVATE KEY-----\n/, 'pkcs8'],
    ['RSA PKCS#8 DER (Vault format: der) → PKCS#1', rsaPkcs8Der, /^-----BEGIN RSA PRIVATE KEY-----\n/, 'pkcs1'],
    ['EC SEC1 → PKCS#8', ecSec1, /^-----BEGIN PRIVATE KEY-----\n/, 'pkcs8'],
    [
      'EC PKCS#8 → SEC1',
      ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      /^-----BEGIN EC PRIVATE KEY-----\n/,
      'pkcs1',
    ],
    [
      'Ed25519 stays PKCS#8',
      ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      /^-----BEGIN PRIVATE KEY-----\n/,
      'pkcs8',
    ],
  ];
  for (const [name, key, header, format] of conversions) {
    test(`keyFormat: ${name}, same key`, () => {
      const written = pki(`pki: private-key, keyFormat: ${format}`, { private_key: key });
      assert.match(written, header);
      assert.ok(written.endsWith('-----\n'));
      const source = key.includes('-----')
        ? createPrivateKey(key)
        : createPrivateKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'pkcs8' });
      assert.ok(createPrivateKey(written).equals(source), 'conversion keeps the key');
    });
  }

  test('DER certificates (Vault format: der) become PEM', () => {
    assert.equal(pki('pki: certificate', { certificate: 'TEFBRg==' }), `${CERT}\n`);
  });

  test('errors never quote key material', () => {
    assert.throws(
      () =>
        pki('pki: private-key, keyFormat: pkcs1', {
          private_key: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        }),
      (error: Error) =>
        error instanceof InvalidParameterError &&
        error.message.includes('needs an RSA or EC key, but Vault issued a ed25519 key'),
    );
    assert.throws(
      () => pki('pki: private-key, keyFormat: pkcs8', { private_key: 'not-a-key-SECRETMATERIAL' }),
      (error: Error) => error instanceof InvalidParameterError && !error.message.includes('SECRETMATERIAL'),
    );
    assert.throws(
      () => pki('pki: certificate', { data: 'x' }),
      (error: Error) =>
        error instanceof SecretNotFoundError && error.message.includes('needs "certificate" in Vault\'s answer'),
    );
  });
});
