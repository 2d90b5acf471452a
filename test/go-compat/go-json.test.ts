import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goJson } from '../../src/go-compat/go-json.js';

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
