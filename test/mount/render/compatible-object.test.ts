import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidParameterError, SecretNotFoundError } from '../../../src/errors.js';
import type { Encoding, SecretObjectSpec } from '../../../src/mount/spec/mount-spec.js';
import { renderObject } from '../../../src/mount/render/compatible-object.js';
import type { VaultSecret } from '../../../src/vault/vault-request.js';

function object(secretKey?: string, encoding: Encoding = 'utf-8'): SecretObjectSpec {
  return {
    objectName: 'db-pass',
    secretPath: 'secret/data/db',
    method: 'GET',
    encoding,
    ...(secretKey === undefined ? {} : { secretKey }),
  };
}

function envelope(data: Record<string, unknown> | null | undefined, extra: Partial<VaultSecret> = {}): VaultSecret {
  return {
    request_id: '0c5a7b1e-aaaa-bbbb-cccc-000000000001',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    ...(data === undefined ? {} : { data }),
    warnings: null,
    ...extra,
  };
}

function text(buffer: Buffer): string {
  return buffer.toString('utf8');
}

describe('renderObject with secretKey', () => {
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['kv v1 string', { password: 's3cr3t' }, 'password', 's3cr3t'],
    ['kv v2 unwrapped', { data: { password: 's3cr3t' }, metadata: { version: 3 } }, 'password', 's3cr3t'],
    ['a "data" key that is not a mapping is a plain key', { data: 'plain', other: 'x' }, 'data', 'plain'],
    ['a "data" list is a plain key', { data: [1, 2] }, 'data', '[1,2]'],
    ['number → JSON', { port: 10 }, 'port', '10'],
    ['float → JSON', { ratio: 0.25 }, 'ratio', '0.25'],
    // Vault's -0 is a float64 -0 in the Go provider, which encoding/json writes as -0.
    ['negative zero → -0, as Go writes it', { zero: -0 }, 'zero', '-0'],
    ['bool → JSON', { enabled: true }, 'enabled', 'true'],
    ['null → JSON null (key present)', { nothing: null }, 'nothing', 'null'],
    [
      'mapping → compact JSON, sorted keys, Go escaping',
      { conf: { b: '<&>', a: 1 } },
      'conf',
      '{"a":1,"b":"\\u003c\\u0026\\u003e"}',
    ],
    ['list → compact JSON', { list: [6, 'x', true] }, 'list', '[6,"x",true]'],
    ['strings are written raw, no escaping', { html: '<a>&"' }, 'html', '<a>&"'],
    ['unicode string as UTF-8', { name: 'ünïcødé 😀' }, 'name', 'ünïcødé 😀'],
    ['empty string', { empty: '' }, 'empty', ''],
  ];
  for (const [name, data, key, expected] of cases) {
    test(name, () => {
      assert.equal(text(renderObject(object(key), envelope(data))), expected);
    });
  }

  test('kv v1 with a nested "data" mapping is read like kv v2 (the Go provider does the same)', () => {
    assert.throws(() => renderObject(object('top'), envelope({ data: { inner: 'x' }, top: 'y' })), SecretNotFoundError);
  });

  test('a missing key names the available keys, never values', () => {
    assert.throws(
      () =>
        renderObject(object('passwrd'), envelope({ data: { username: 'admin', password: 'hunter2' }, metadata: {} })),
      (error: unknown) =>
        error instanceof SecretNotFoundError &&
        error.message ===
          'object "db-pass": key "passwrd" does not exist at secret/data/db (available keys: password, username)' &&
        !error.message.includes('hunter2'),
    );
  });
  test('an empty secret says none', () => {
    assert.throws(() => renderObject(object('k'), envelope({})), /available keys: none\)/);
  });
  test('many keys are cut off after 20', () => {
    const data = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v']));
    assert.throws(() => renderObject(object('missing'), envelope(data)), /k19, and 5 more\)$/);
  });
  test('inherited properties are not keys', () => {
    assert.throws(() => renderObject(object('constructor'), envelope({ a: 'b' })), SecretNotFoundError);
  });
});

describe('no data from Vault', () => {
  for (const [name, secret] of [
    ['null data', envelope(null)],
    ['absent data', envelope(undefined)],
  ] as const) {
    for (const secretKey of ['password', undefined]) {
      test(`${name}, ${secretKey === undefined ? 'whole response' : 'secretKey'}: SecretNotFoundError with a hint`, () => {
        assert.throws(
          () => renderObject(object(secretKey), secret),
          (error: unknown) =>
            error instanceof SecretNotFoundError &&
            error.message.startsWith(
              'object "db-pass": Vault returned no data for secret/data/db; check the path (KV v2 paths need "data/"',
            ),
        );
      });
    }
  }
  test("Vault's warnings are quoted", () => {
    const warning =
      'Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use.';
    assert.throws(
      () => renderObject(object('k'), envelope(null, { warnings: [warning] })),
      (error: unknown) => error instanceof SecretNotFoundError && error.message.endsWith(`Vault said: ${warning}`),
    );
  });
});

describe('encoding decodes the stored value (as the Go provider)', () => {
  const cases: [Encoding, string, Buffer][] = [
    ['utf-8', 'hello', Buffer.from('hello')],
    ['base64', 'aGVsbG8=', Buffer.from('hello')],
    ['base64', 'aGVs\nbG8=\r\n', Buffer.from('hello')],
    ['base64', '', Buffer.alloc(0)],
    ['base64', '/+8=', Buffer.from([0xff, 0xef])],
    ['hex', '68656c6c6f', Buffer.from('hello')],
    ['hex', 'FFEF00', Buffer.from([0xff, 0xef, 0x00])],
  ];
  for (const [encoding, stored, expected] of cases) {
    test(`${encoding} ${JSON.stringify(stored)}`, () => {
      assert.deepEqual(renderObject(object('v', encoding), envelope({ v: stored })), expected);
    });
  }
  const invalid: [Encoding, string][] = [
    ['base64', 'aGVsbG8'],
    ['base64', 'aGVsbG8*'],
    ['base64', '_-8='],
    ['base64', 'hunter2!'],
    ['hex', 'abc'],
    ['hex', 'zz'],
    ['hex', 'hunter2'],
  ];
  for (const [encoding, stored] of invalid) {
    test(`invalid ${encoding} ${JSON.stringify(stored)} is an error that never shows the value`, () => {
      assert.throws(
        () => renderObject(object('v', encoding), envelope({ v: stored })),
        (error: unknown) =>
          error instanceof InvalidParameterError &&
          error.message.startsWith(
            `object "db-pass": the value of key "v" at secret/data/db is not valid ${encoding}`,
          ) &&
          !error.message.includes(stored),
      );
    });
  }
  test('non-string values are decoded from their JSON text', () => {
    assert.throws(() => renderObject(object('n', 'hex'), envelope({ n: 123 })), InvalidParameterError);
    assert.deepEqual(renderObject(object('n', 'hex'), envelope({ n: 1234 })), Buffer.from([0x12, 0x34]));
  });
});

describe('whole-response mode (no secretKey)', () => {
  test('Go field order, compact, with request_id and lease_id blanked', () => {
    const secret = envelope(
      { password: 'p<w>&', user: 'u', n: 1 },
      { lease_id: 'database/creds/app/abc', lease_duration: 3600, renewable: true, warnings: ['w'], mount_type: 'kv' },
    );
    assert.equal(
      text(renderObject(object(), secret)),
      '{"request_id":"","lease_id":"","lease_duration":3600,"renewable":true,' +
        '"data":{"n":1,"password":"p\\u003cw\\u003e\\u0026","user":"u"},"warnings":["w"],"mount_type":"kv"}',
    );
  });

  test('defaults for absent envelope fields; null warnings stay null', () => {
    assert.equal(
      text(renderObject(object(), { data: { a: 'b' } })),
      '{"request_id":"","lease_id":"","lease_duration":0,"renewable":false,"data":{"a":"b"},"warnings":null}',
    );
  });

  test('kv v2 is not unwrapped (the payload stays under data.data, as in Go)', () => {
    const out = JSON.parse(text(renderObject(object(), envelope({ data: { k: 'v' }, metadata: { version: 1 } })))) as {
      data: unknown;
    };
    assert.deepEqual(out.data, { data: { k: 'v' }, metadata: { version: 1 } });
  });

  test('auth and wrap_info only when non-null, after warnings', () => {
    const plain = text(renderObject(object(), envelope({ a: 1 }, { auth: null, wrap_info: null })));
    assert.ok(!plain.includes('auth') && !plain.includes('wrap_info'));
    const withBoth = text(
      renderObject(object(), envelope({ a: 1 }, { auth: { policies: ['p'] }, wrap_info: { ttl: 60 } })),
    );
    assert.ok(withBoth.endsWith(',"warnings":null,"auth":{"policies":["p"]},"wrap_info":{"ttl":60}}'), withBoth);
  });

  test('stable bytes: envelopes differing only in request_id and lease_id render identically', () => {
    const first = envelope(
      { username: 'v-app-1', password: 'x' },
      { request_id: 'r-1', lease_id: 'database/creds/app/1', lease_duration: 3600, renewable: true },
    );
    const second = envelope(
      { password: 'x', username: 'v-app-1' },
      { request_id: 'r-2', lease_id: 'database/creds/app/2', lease_duration: 3600, renewable: true },
    );
    assert.deepEqual(renderObject(object(), first), renderObject(object(), second));
  });

  test('changed data changes the bytes', () => {
    assert.notDeepEqual(renderObject(object(), envelope({ a: '1' })), renderObject(object(), envelope({ a: '2' })));
  });

  test('encoding does not apply without secretKey (as in Go)', () => {
    assert.deepEqual(
      renderObject(object(undefined, 'base64'), envelope({ a: 'not base64!' })),
      renderObject(object(), envelope({ a: 'not base64!' })),
    );
  });
});
