import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidParameterError, SecretNotFoundError } from '../../../src/errors.js';
import { parseObjects } from '../../../src/mount/parse/objects.js';
import { renderFeatures } from '../../../src/mount/render/render-planned.js';

const KV2 = {
  data: {
    user: 'app',
    port: 5432,
    tls: { enabled: true, ca: 'PEM' },
    hosts: [
      { name: 'a', zone: 'x' },
      { name: 'b', zone: 'y' },
    ],
    blob: Buffer.from([0, 1, 254]).toString('base64'),
    hexed: 'cafe',
  },
  metadata: { version: 7 },
};

function only(objects: string) {
  const object = parseObjects(objects).objects[0];
  assert.ok(object !== undefined);
  return object;
}

function render(fields: string, data: Record<string, unknown> = KV2): Buffer {
  return renderFeatures(only(`- {objectName: f, secretPath: secret/data/app, ${fields}}`), { data });
}

describe('jmesPath selection', () => {
  const cases: [string, string, string | Buffer][] = [
    ['top-level string', 'jmesPath: user', 'app'],
    ['number as JSON', 'jmesPath: port', '5432'],
    ['nested key', 'jmesPath: tls.enabled', 'true'],
    ['mapping as sorted compact JSON', 'jmesPath: tls', '{"ca":"PEM","enabled":true}'],
    ['list index', 'jmesPath: "hosts[1].name"', 'b'],
    ['projection', 'jmesPath: "hosts[*].name"', '["a","b"]'],
    ['filter and pipe', `jmesPath: "hosts[?zone=='y'].name | [0]"`, 'b'],
    ['function', 'jmesPath: "length(hosts)"', '2'],
    ['multi-select hash', 'jmesPath: "{u: user, p: port}"', '{"p":5432,"u":"app"}'],
    ['KV v2 metadata is not visible (unwrapped)', 'jmesPath: "metadata || user"', 'app'],
    ['base64 decoded after selection', 'jmesPath: blob, encoding: base64', Buffer.from([0, 1, 254])],
    ['hex decoded after selection', 'jmesPath: hexed, encoding: hex', Buffer.from([0xca, 0xfe])],
  ];
  for (const [name, fields, expected] of cases) {
    test(name, () => {
      const actual = render(fields);
      assert.deepEqual(actual, typeof expected === 'string' ? Buffer.from(expected) : expected);
    });
  }

  test('KV v1 data is used as is', () => {
    assert.equal(render('jmesPath: "a.b"', { a: { b: 'v1' } }).toString(), 'v1');
  });

  test('a null result is "not found" and lists key names only', () => {
    assert.throws(
      () => render('jmesPath: tls.missing'),
      (error: Error) =>
        error instanceof SecretNotFoundError &&
        error.message.includes('selects nothing') &&
        error.message.includes('blob, hexed, hosts, port, tls, user') &&
        !error.message.includes('PEM'),
    );
  });

  test('decoding errors name the object, not the value', () => {
    assert.throws(
      () => render('jmesPath: user, encoding: hex'),
      (error: Error) =>
        error instanceof InvalidParameterError &&
        error.message.includes('object "f": the selected value is not valid hex'),
    );
  });

  const invalid: [string, string, RegExp][] = [
    ['syntax error', 'jmesPath: "hosts[?"', /field "jmesPath" is not a valid JMESPath expression/],
    ['with secretKey', 'jmesPath: user, secretKey: user', /"secretKey" and "jmesPath" cannot be used together/],
    ['not a string', 'jmesPath: [a]', /field "jmesPath" must be a string/],
    ['too long', `jmesPath: "${'a.'.repeat(600)}a"`, /longer than 1024 characters/],
  ];
  for (const [name, fields, message] of invalid) {
    test(`parse error: ${name}`, () => {
      assert.throws(
        () => parseObjects(`- {objectName: f, secretPath: secret/data/app, ${fields}}`),
        (error: Error) => error instanceof InvalidParameterError && message.test(error.message),
      );
    });
  }
});
