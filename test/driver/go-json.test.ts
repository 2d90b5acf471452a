import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goMarshalStringMap, goMarshalTokenStatuses } from '../support/driver/index.js';

// What the driver and kubelet marshal (the quoting itself: test/go-compat/go-json.test.ts).
describe('Go-compatible JSON of the driver and kubelet', () => {
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
