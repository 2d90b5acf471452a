import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { InvalidParameterError } from '../../../src/errors.js';
import { objectVersion } from '../../../src/mount/output/object-version.js';
import { parseObjects } from '../../../src/mount/parse/objects.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');

function parseOne(yaml: string) {
  const object = parseObjects(yaml).objects[0];
  assert.ok(object);
  return object;
}

describe('additive object fields: parsing', () => {
  test('each field is parsed and normalised', () => {
    const [jmes, format, template, pki] = parseObjects(`
- {objectName: a, secretPath: secret/data/x, jmesPath: "a.b"}
- {objectName: b, secretPath: secret/data/x, format: DOTENV}
- {objectName: c, template: '{{ with secret "secret/data/x" }}{{ .Data.data.k }}{{ end }}'}
- {objectName: d, secretPath: pki/issue/web, method: PUT, secretArgs: {common_name: a.example.com}, pki: Bundle, keyFormat: PKCS1}
`).objects;
    assert.equal(jmes?.jmesPath, 'a.b');
    assert.equal(format?.format, 'dotenv');
    assert.equal(template?.secretPath, '');
    assert.match(template.template ?? '', /secret/);
    assert.equal(pki?.pki, 'bundle');
    assert.equal(pki.keyFormat, 'pkcs1');
  });

  const invalid: [string, string, RegExp][] = [
    [
      'unknown format with suggestion',
      '{objectName: a, secretPath: s, format: jsn}',
      /field "format" "jsn" is not supported; did you mean "json"\?/,
    ],
    [
      'unknown pki part',
      '{objectName: a, secretPath: s, pki: key}',
      /field "pki" "key" is not supported.*certificate, private-key/,
    ],
    [
      'unknown key format',
      '{objectName: a, secretPath: s, pki: private-key, keyFormat: pem}',
      /field "keyFormat" "pem"/,
    ],
    [
      'keyFormat without a key part',
      '{objectName: a, secretPath: s, pki: certificate, keyFormat: pkcs8}',
      /"keyFormat" only applies with pki: private-key or pki: bundle/,
    ],
    [
      'pki with secretKey',
      '{objectName: a, secretPath: s, secretKey: k, pki: certificate}',
      /"pki" and "secretKey" cannot be used together/,
    ],
    [
      'pki with format',
      '{objectName: a, secretPath: s, pki: certificate, format: json}',
      /"pki" and "format" cannot be used together/,
    ],
    [
      'template with secretPath',
      `{objectName: a, secretPath: s, template: "x"}`,
      /"template" and "secretPath" cannot be used together/,
    ],
    [
      'template with secretArgs',
      `{objectName: a, secretArgs: {a: b}, template: "x"}`,
      /"template" and "secretArgs" cannot be used together/,
    ],
    [
      'template with format',
      `{objectName: a, format: env, template: "x"}`,
      /"template" and "format" cannot be used together/,
    ],
    ['neither secretPath nor template', '{objectName: a, format: env}', /field "secretPath" is required/],
    [
      'template syntax error with position',
      `{objectName: a, template: "ok\\n  {{ if }}"}`,
      /object "a" \(objects\[0\]\): field "template" line 2, column 9: missing value for if/,
    ],
    [
      'template secret path with ..',
      `{objectName: a, template: '{{ secret "secret/../sys/x" }}'}`,
      /template secret call/,
    ],
    ['template field not a string', '{objectName: a, template: [x]}', /field "template" must be a string/],
  ];
  for (const [name, entry, message] of invalid) {
    test(`refused: ${name}`, () => {
      assert.throws(
        () => parseObjects(`- ${entry}`),
        (error: Error) => {
          assert.ok(error instanceof InvalidParameterError, error.message);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});

describe('additive object fields: object versions', () => {
  test('objects without the new fields keep the Go-compatible known answer', () => {
    const object = parseOne('- objectName: a\n  secretPath: secret/a');
    assert.equal(objectVersion(KEY, object, Buffer.from('v')), 'BHfZa4DSxTQwbOGJeY_S8qn6RGJq1NaTBNICnn2Rgpw=');
  });

  test('the new fields are appended to the Go config JSON, so they change the version', () => {
    const object = parseOne('- {objectName: a, secretPath: secret/a, jmesPath: x.y, format: yaml}');
    const config =
      '{"ObjectName":"a","SecretPath":"secret/a","SecretKey":"","Method":"","SecretArgs":null,"FilePermission":0,' +
      '"Encoding":"","JmesPath":"x.y","Format":"yaml"}';
    const expected = createHmac('sha256', KEY)
      .update(config)
      .update('v')
      .digest('base64')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    assert.equal(objectVersion(KEY, object, Buffer.from('v')), expected);
    const versions = new Set(
      ['format: json', 'format: yaml', 'jmesPath: x', 'pki: certificate', 'pki: bundle, keyFormat: pkcs8'].map(
        (fields) =>
          objectVersion(KEY, parseOne(`- {objectName: a, secretPath: secret/a, ${fields}}`), Buffer.from('v')),
      ),
    );
    assert.equal(versions.size, 5);
  });
});
