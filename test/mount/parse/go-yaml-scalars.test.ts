import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goJson } from '../../../src/go-compat/go-json.js';
import { goTimestampJson } from '../../../src/mount/parse/go-yaml-scalars.js';
import { parseObjects } from '../../../src/mount/parse/objects.js';

const argsOf = (args: string): Record<string, unknown> | undefined =>
  parseObjects(`- {objectName: f, secretPath: kv/app, secretArgs: ${args}}`).objects[0]?.secretArgs;

describe('secretArgs as the Go provider sends them (yaml.v3 into interface{}, then encoding/json)', () => {
  // Request bodies hashicorp/vault-csi-provider v1.7.4 sent to Vault for these secretArgs.
  const goBodies: [string, string][] = [
    ['{n: 9007199254740993}', '{"n":9007199254740993}'],
    ['{n: 18446744073709551615}', '{"n":18446744073709551615}'],
    ['{n: 0x7FFFFFFFFFFFFFFF}', '{"n":9223372036854775807}'],
    ['{n: 9223372036854775808}', '{"n":9223372036854775808}'],
    ['{n: -9223372036854775809}', '{"n":-9223372036854776000}'],
    ['{n: 123456789012345678901234567890}', '{"n":1.2345678901234568e+29}'],
    ['{n: -0}', '{"n":0}'],
    ['{n: -0.0}', '{"n":-0}'],
    ['{n: 0.0}', '{"n":0}'],
    ['{n: 1e400}', '{"n":"1e400"}'],
    ['{n: -1e-400}', '{"n":-0}'],
    ['{n: 1.0}', '{"n":1}'],
    ['{n: 100.0}', '{"n":100}'],
    ['{n: 1e21}', '{"n":1e+21}'],
    ['{n: 0.000001}', '{"n":0.000001}'],
    ['{n: 1e-7}', '{"n":1e-7}'],
    ['{d: 2024-01-02}', '{"d":"2024-01-02T00:00:00Z"}'],
    ['{d: 2024-01-02T03:04:05Z}', '{"d":"2024-01-02T03:04:05Z"}'],
    ['{d: 2024-01-02 03:04:05}', '{"d":"2024-01-02T03:04:05Z"}'],
    ['{d: 2024-01-02T03:04:05.5+02:00}', '{"d":"2024-01-02T03:04:05.5+02:00"}'],
    ['{d: "2024-01-02"}', '{"d":"2024-01-02"}'],
    ['{d: 2024-1-2}', '{"d":"2024-01-02T00:00:00Z"}'],
    ['{d: 2024-01-02t03:04:05z}', '{"d":"2024-01-02t03:04:05z"}'],
  ];
  for (const [args, body] of goBodies) {
    test(`${args} → ${body}`, () => assert.equal(goJson(argsOf(args)), body));
  }

  test('timestamps inside lists and mappings too', () => {
    assert.equal(
      goJson(argsOf('{l: [2024-01-02, x], m: {d: 2024-01-02}}')),
      '{"l":["2024-01-02T00:00:00Z","x"],"m":{"d":"2024-01-02T00:00:00Z"}}',
    );
  });

  test('string fields keep a timestamp or a big integer as written', () => {
    const [object] = parseObjects(
      '- {objectName: 2024-01-02, secretPath: 12345678901234567890, secretKey: 1e400}',
    ).objects;
    assert.ok(object);
    assert.equal(object.objectName, '2024-01-02');
    assert.equal(object.secretPath, '12345678901234567890');
    assert.equal(object.secretKey, '1e400');
  });

  test('filePermission and renewalPercent still want small numbers', () => {
    assert.throws(
      () => parseObjects('- {objectName: f, secretPath: s, filePermission: 99999999999999999999}'),
      /is not a file mode/,
    );
  });
});

describe("goTimestampJson: Go's time.Parse with yaml.v3's layouts", () => {
  const cases: [string, string | undefined][] = [
    ['2024-02-29', '2024-02-29T00:00:00Z'],
    ['2023-02-29', undefined],
    ['2024-13-01', undefined],
    ['2024-01-02T24:00:00Z', undefined],
    ['2024-01-02T03:04:60Z', undefined],
    ['2024-01-02T03:04:05', undefined],
    ['2024-01-02 03:04:05Z', undefined],
    ['2024-01-02t3:4:5Z', '2024-01-02T03:04:05Z'],
    ['2024-01-02T03:04:05.123456789123Z', '2024-01-02T03:04:05.123456789Z'],
    ['2024-01-02T03:04:05.500Z', '2024-01-02T03:04:05.5Z'],
    ['2024-01-02T03:04:05.0Z', '2024-01-02T03:04:05Z'],
    ['2024-01-02T03:04:05,25Z', '2024-01-02T03:04:05.25Z'],
    ['2024-01-02T03:04:05+00:00', '2024-01-02T03:04:05Z'],
    ['2024-01-02T03:04:05-07:30', '2024-01-02T03:04:05-07:30'],
    ['2024-01-02T03:04:05+0200', undefined],
    ['24-01-02', undefined],
  ];
  for (const [source, expected] of cases) {
    test(`${source} → ${String(expected)}`, () => assert.equal(goTimestampJson(source), expected));
  }
});
