import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goMarshalStringMap, goMarshalTokenStatuses, goQuote } from '../support/driver/index.js';

// Expected strings are what Go 1.26's json.Marshal printed for the same input.
const cases: [string, string, string][] = [
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

describe('Go-compatible JSON', () => {
  for (const [name, input, expected] of cases) {
    test(`goQuote: ${name}`, () => {
      assert.equal(goQuote(input), expected);
    });
  }

  test('maps: sorted by UTF-8 bytes, nil is null, empty is {}', () => {
    // U+FF5E sorts before U+1F600 in UTF-8 but after it in UTF-16.
    assert.equal(goMarshalStringMap({ '😀': '1', '～': '2', b: '3', a: '4' }), '{"a":"4","b":"3","～":"2","😀":"1"}');
    assert.equal(goMarshalStringMap(null), 'null');
    assert.equal(goMarshalStringMap({}), '{}');
  });

  test('token statuses keep struct field order', () => {
    assert.equal(
      goMarshalTokenStatuses({
        vault: { token: 't', expirationTimestamp: '2030-01-01T00:00:00Z' },
        '': { token: 'u', expirationTimestamp: 'e' },
      }),
      '{"":{"token":"u","expirationTimestamp":"e"},"vault":{"token":"t","expirationTimestamp":"2030-01-01T00:00:00Z"}}',
    );
  });
});
