import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidParameterError } from '../../../src/errors.js';
import { normaliseSecretPath } from '../../../src/mount/parse/secret-path.js';

describe('secretPath → /v1/ path and query (as the Go provider)', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['secret/foo', '/v1/secret/foo', {}],
    ['/secret/foo', '/v1/secret/foo', {}],
    ['v1/secret/foo', '/v1/secret/foo', {}],
    ['/v1/secret/foo', '/v1/secret/foo', {}],
    ['v2/x', '/v1/v2/x', {}],
    ['/v2/x', '/v1/v2/x', {}],
    ['secret/data/app', '/v1/secret/data/app', {}],
    ['secret/data/app?version=1', '/v1/secret/data/app', { version: '1' }],
    ['/v1/pki/issue/web?ttl=1h&format=pem', '/v1/pki/issue/web', { ttl: '1h', format: 'pem' }],
    ['secret/foo?', '/v1/secret/foo', {}],
    ['secret/a%20b?x=a%2Fb&y=c+d', '/v1/secret/a%20b', { x: 'a/b', y: 'c d' }],
    ['secret/list/', '/v1/secret/list/', {}],
    ['secret/...', '/v1/secret/...', {}],
    ['secret/.hidden', '/v1/secret/.hidden', {}],
    ['//secret/foo', '/v1/secret/foo', {}],
  ];
  for (const [written, path, query] of cases) {
    test(`${written} → ${path}`, () => {
      const result = normaliseSecretPath(written, 'object "x"');
      assert.equal(result.path, path);
      assert.deepEqual({ ...result.query }, query);
    });
  }

  test('a __proto__ query parameter is data', () => {
    const { query } = normaliseSecretPath('secret/x?__proto__=1', 'object "x"');
    assert.equal(Object.getPrototypeOf(query), Object.prototype);
    assert.deepEqual(Object.keys(query), ['__proto__']);
  });

  const invalid: [string, RegExp][] = [
    ['', /must not be empty/],
    ['   ', /must not be empty/],
    ['/', /must name a path below \/v1\//],
    ['v1/', /must name a path below/],
    ['/v1/', /must name a path below/],
    ['?version=1', /must name a path below/],
    ['..', /"\." or "\.\." segments/],
    ['secret/../sys/raw', /"\." or "\.\." segments/],
    ['secret/./foo', /"\." or "\.\." segments/],
    ['secret/%2e%2e/sys', /"\." or "\.\." segments/],
    ['secret/%2E./sys', /"\." or "\.\." segments/],
    ['secret\\..\\sys', /backslash/],
    ['secret/foo#frag', /"#"/],
    ['secret/foo\n', /control characters/],
    ['secret/x?a=1&a=2', /query parameter "a" more than once/],
  ];
  for (const [written, pattern] of invalid) {
    test(`rejects ${JSON.stringify(written)}`, () => {
      assert.throws(
        () => normaliseSecretPath(written, 'object "db" (objects[1])'),
        (error: unknown) =>
          error instanceof InvalidParameterError &&
          error.message.startsWith('object "db" (objects[1]): secretPath ') &&
          pattern.test(error.message),
      );
    });
  }
});
