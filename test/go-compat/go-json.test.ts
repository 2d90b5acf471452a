import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goJson, goQuote } from '../../src/go-compat/go-json.js';
import { executeTemplate, parseTemplate } from '../../src/template/index.js';
import { objectVersion } from '../../src/mount/output/object-version.js';
import { renderObject } from '../../src/mount/render/compatible-object.js';
import type { SecretObjectSpec } from '../../src/mount/spec/mount-spec.js';

// Expected strings are what Go 1.26's json.Marshal printed for the same input.
const quoteCases: [string, string, string][] = [
  ['plain', 'abc', '"abc"'],
  ['quote and backslash', 'a"b\\c', '"a\\"b\\\\c"'],
  ['short escapes', '\n\r\t\b\f', '"\\n\\r\\t\\b\\f"'],
  ['other control bytes', '\u0000\u001f', '"\\u0000\\u001f"'],
  ['DEL is literal', '\u007f', '"\u007f"'],
  ['HTML-safe', '<a href="x">&</a>', '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"'],
  ['line and paragraph separators', '\u2028\u2029', '"\\u2028\\u2029"'],
  ['non-ASCII is literal', 'é😀', '"é😀"'],
  ['lone surrogate becomes a literal U+FFFD', 'a\ud800b', '"a\ufffdb"'],
];

describe('goQuote: Go string literals', () => {
  for (const [name, input, expected] of quoteCases) {
    test(name, () => {
      assert.equal(goQuote(input), expected);
    });
  }
});

describe('goJson: the bytes Go encoding/json writes', () => {
  const cases: [string, unknown, string][] = [
    ['null', null, 'null'],
    ['undefined as null', undefined, 'null'],
    ['string', 'plain', '"plain"'],
    ['HTML-sensitive characters', '<a href="x">&</a>', '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"'],
    ['line and paragraph separators', '\u2028\u2029', '"\\u2028\\u2029"'],
    ['control characters', '\n\t\r\b\f\u0001', '"\\n\\t\\r\\b\\f\\u0001"'],
    ['non-ASCII stays UTF-8', 'é😀', '"é😀"'],
    ['integers', 10, '10'],
    ['floats', 1.5, '1.5'],
    ['large floats use an exponent', 1e21, '1e+21'],
    ['negative zero, as Go writes the float64 -0', -0, '-0'],
    [
      '64-bit integers (BigInt) with all their digits',
      [9007199254740993n, -9223372036854775808n],
      '[9007199254740993,-9223372036854775808]',
    ],
    ['booleans', [true, false], '[true,false]'],
    ['arrays keep order', [6, 'x', true, null], '[6,"x",true,null]'],
    ['objects sort keys', { b: 1, a: 2, B: 3 }, '{"B":3,"a":2,"b":1}'],
    ['keys are escaped too', { '<k>': 1 }, '{"\\u003ck\\u003e":1}'],
    ['nested', { z: { y: [{ b: 1, a: 2 }] } }, '{"z":{"y":[{"a":2,"b":1}]}}'],
    ['undefined members are skipped', { a: undefined, b: 1 }, '{"b":1}'],
    ['keys sort by UTF-8 bytes, not UTF-16 units', { '\u{1F600}': 1, '\uFF61': 2 }, '{"\uFF61":2,"\u{1F600}":1}'],
  ];
  for (const [name, value, expected] of cases) {
    test(name, () => {
      assert.equal(goJson(value), expected);
    });
  }
  test('non-finite numbers cannot be encoded (Go fails too)', () => {
    assert.throws(() => goJson(Number.NaN), TypeError);
    assert.throws(() => goJson({ x: Number.POSITIVE_INFINITY }), TypeError);
  });
});

describe('one encoder for every Go-compatible output: a lone surrogate is U+FFFD everywhere', () => {
  const lone = 'a\ud800b\udc00';
  const go = '"a\ufffdb\ufffd"';

  test('strings, keys and nested values', () => {
    assert.equal(goJson(lone), go);
    assert.equal(goJson({ [lone]: [lone] }), `{${go}:[${go}]}`);
    // A valid pair stays one literal character.
    assert.equal(goJson('\ud83d\ude00'), '"😀"');
  });

  test("a file's contents (a non-string secretKey value) and its object version", () => {
    const object: SecretObjectSpec = {
      objectName: 'f',
      secretPath: 'secret/x',
      secretKey: 'k',
      method: 'GET',
      encoding: 'utf-8',
    };
    const contents = renderObject(object, { data: { k: [lone] } });
    assert.equal(contents.toString('utf8'), `[${go}]`);
    const key = Buffer.alloc(32, 7);
    const written = { ...object, secretPath: lone };
    const replaced = { ...object, secretPath: 'a\ufffdb\ufffd' };
    assert.equal(objectVersion(key, written, contents), objectVersion(key, replaced, contents));
  });

  test('the template engine: toJSON and toJSONPretty', () => {
    const data = { data: { v: lone } };
    const render = (source: string) => executeTemplate(parseTemplate(source), () => data);
    assert.equal(render('{{ with secret "s" }}{{ .Data | toJSON }}{{ end }}'), `{"v":${go}}`);
    assert.equal(render('{{ with secret "s" }}{{ .Data | toJSONPretty }}{{ end }}'), `{\n  "v": ${go}\n}`);
  });
});

describe('goJson options', () => {
  test('indent gives MarshalIndent layout; empty containers stay compact', () => {
    assert.equal(
      goJson({ b: [1, 2], a: {}, c: [] }, { indent: '  ' }),
      '{\n  "a": {},\n  "b": [\n    1,\n    2\n  ],\n  "c": []\n}',
    );
  });

  test('Maps sort their keys; structs keep their field order; onValue counts every value', () => {
    class Point {
      constructor(readonly fields: ReadonlyMap<string, unknown>) {}
    }
    let values = 0;
    const encoded = goJson(
      new Map<string, unknown>([
        [
          'z',
          new Point(
            new Map([
              ['Y', 1],
              ['X', 2],
            ]),
          ),
        ],
        ['a', null],
      ]),
      {
        onValue: () => (values += 1),
        structFields: (value) => (value instanceof Point ? value.fields : undefined),
      },
    );
    assert.equal(encoded, '{"a":null,"z":{"Y":1,"X":2}}');
    assert.equal(values, 5);
    assert.throws(() => goJson(new Point(new Map())), /unsupported value \(a Point\)/);
  });
});
