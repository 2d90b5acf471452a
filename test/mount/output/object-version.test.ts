import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import type { SecretObjectSpec } from '../../../src/mount/spec/mount-spec.js';
import { objectVersion } from '../../../src/mount/output/object-version.js';
import { parseObjects } from '../../../src/mount/parse/objects.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const OTHER_KEY = Buffer.from('fedcba9876543210fedcba9876543210');

/** Independent reference: HMAC-SHA256 → standard base64 → URL-safe alphabet, padding kept. */
function reference(key: Buffer, goJson: string, contents: Buffer): string {
  const digest = createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(goJson, 'utf8'), contents]))
    .digest();
  return digest.toString('base64').replaceAll('+', '-').replaceAll('/', '_');
}

function parsedOne(yaml: string): SecretObjectSpec {
  const object = parseObjects(yaml).objects[0];
  assert.ok(object);
  return object;
}

describe('objectVersion', () => {
  test('a copy of a parsed spec (what a later stage makes of it) keeps its version', () => {
    const object = parsedOne('- objectName: a\n  secretPath: s\n  method: get\n  encoding: Base64');
    // The version hashes "get" and "Base64" as written, whatever the copy's normalised values.
    assert.equal(objectVersion(KEY, { ...object }, Buffer.from('x')), objectVersion(KEY, object, Buffer.from('x')));
    assert.notEqual(
      objectVersion(KEY, { ...object, asWritten: undefined } as unknown as SecretObjectSpec, Buffer.from('x')),
      objectVersion(KEY, object, Buffer.from('x')),
      'without its fields as written, "GET" and "base64" would be hashed instead',
    );
  });

  test('known answer: fields as the user wrote them, Go field order, escaping and sorted args', () => {
    const object = parsedOne(
      [
        '- objectName: tls/cert.pem',
        '  secretPath: pki/issue/web?ttl=1h',
        '  secretKey: certificate',
        '  method: put',
        '  secretArgs: {common_name: "<a> & b", alt_names: x, n: 0600}',
        '  filePermission: 0600',
      ].join('\n'),
    );
    const goJson =
      '{"ObjectName":"tls/cert.pem","SecretPath":"pki/issue/web?ttl=1h","SecretKey":"certificate","Method":"put",' +
      '"SecretArgs":{"alt_names":"x","common_name":"\\u003ca\\u003e \\u0026 b","n":384},"FilePermission":384,"Encoding":""}';
    const contents = Buffer.from('-----BEGIN CERTIFICATE-----\n');
    assert.equal(objectVersion(KEY, object, contents), reference(KEY, goJson, contents));
  });

  test('known answer: absent fields are Go zero values (no omitempty)', () => {
    const object = parsedOne('- objectName: a\n  secretPath: secret/a');
    const goJson =
      '{"ObjectName":"a","SecretPath":"secret/a","SecretKey":"","Method":"","SecretArgs":null,"FilePermission":0,"Encoding":""}';
    assert.equal(objectVersion(KEY, object, Buffer.from('v')), reference(KEY, goJson, Buffer.from('v')));
  });

  test('known answer: a literal digest computed with openssl (regression guard)', () => {
    // printf '%s' '<go json>v' | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef -binary | base64 | tr '+/' '-_'
    const object = parsedOne('- objectName: a\n  secretPath: secret/a');
    assert.equal(objectVersion(KEY, object, Buffer.from('v')), 'BHfZa4DSxTQwbOGJeY_S8qn6RGJq1NaTBNICnn2Rgpw=');
  });

  // Versions hashicorp/vault-csi-provider v1.7.4 gave for these objects and contents with this
  // key, run side by side with this provider against OpenBao 2.7.2 (docs/compatibility.md).
  const goVersions: [string, string, string, string][] = [
    ['an integer past 2^53', '{n: 9007199254740993}', 'u', 'upJV2XCPgDuCjGmioiDwAM725yv3WOpA57DWoThldcg='],
    ['the largest uint64', '{n: 18446744073709551615}', 'u', 'KwTNyEIkfknlm3AzbQ1cdRQYhTeCTaIGqioKqUoCuQw='],
    ['a float -0.0', '{n: -0.0}', 'u', 'Q0-r3nk1YFzFaaLp_sN3DztocjrNnO6mlfQMJYfBit0='],
    [
      'a float overflowing float64, sent as a string',
      '{n: 1e400}',
      'u',
      'ssAa-sm0QxK3OMS-9ha94KWGbs33VLBaWCU9wIPIvJA=',
    ],
    ['a date', '{d: 2024-01-02}', 'u', 'GsxQ-jGYE7CDr9EFEiUmccAqcGkpa1f1hKTvrPQEr3s='],
    ['a date and time with a space', '{d: 2024-01-02 03:04:05}', 'u', 'sN86mmMg90FJq7veRxDq0ygIaOlo_am3dvaAyZxNrhU='],
    ['the same instant in RFC 3339', '{d: 2024-01-02T03:04:05Z}', 'u', 'sN86mmMg90FJq7veRxDq0ygIaOlo_am3dvaAyZxNrhU='],
    [
      'a fraction and an offset',
      '{d: 2024-01-02T03:04:05.5+02:00}',
      'u',
      '2fy3U_96BYNDtt2MciJ7b5REb4-LIQG1aWKjuB6MXmE=',
    ],
    [
      'a quoted timestamp stays a string',
      '{d: "2024-01-02T03:04:05+02:00"}',
      'u',
      'Sa0SPPwYvUH4-nhf7HYB1c37hLH48pBQY5zepdsUqLw=',
    ],
  ];
  for (const [name, args, contents, expected] of goVersions) {
    test(`the Go provider's version: secretArgs with ${name}`, () => {
      const object = parsedOne(
        `- {objectName: f, secretPath: kv/app, secretKey: user, method: GET, secretArgs: ${args}}`,
      );
      assert.equal(objectVersion(KEY, object, Buffer.from(contents)), expected);
    });
  }

  test("the Go provider's version: a stored -0 is written -0", () => {
    const object = parsedOne('- {objectName: f, secretPath: secret/data/types, secretKey: neg0}');
    assert.equal(objectVersion(KEY, object, Buffer.from('-0')), 'CGp6ARs6WzWIxuEzHsvOp8s88fvpXnjeQlMlviOr8vE=');
  });

  test('URL-safe base64 with padding, 44 characters', () => {
    for (let i = 0; i < 50; i++) {
      const version = objectVersion(KEY, parsedOne('- objectName: a\n  secretPath: s'), Buffer.from(`content ${i}`));
      assert.match(version, /^[A-Za-z0-9_-]{43}=$/);
    }
  });

  test('deterministic', () => {
    const object = parsedOne('- objectName: a\n  secretPath: s');
    assert.equal(objectVersion(KEY, object, Buffer.from('x')), objectVersion(KEY, object, Buffer.from('x')));
    assert.equal(
      objectVersion(KEY, object, Buffer.from('x')),
      objectVersion(KEY, parsedOne('- objectName: a\n  secretPath: s'), Buffer.from('x')),
    );
  });

  test('changes with the key, the contents and the definition', () => {
    const base = parsedOne('- objectName: a\n  secretPath: s\n  secretKey: k');
    const version = objectVersion(KEY, base, Buffer.from('x'));
    assert.notEqual(objectVersion(OTHER_KEY, base, Buffer.from('x')), version);
    assert.notEqual(objectVersion(KEY, base, Buffer.from('y')), version);
    for (const changed of [
      '- objectName: b\n  secretPath: s\n  secretKey: k',
      '- objectName: a\n  secretPath: /s\n  secretKey: k',
      '- objectName: a\n  secretPath: s\n  secretKey: j',
      '- objectName: a\n  secretPath: s\n  secretKey: k\n  method: GET',
      '- objectName: a\n  secretPath: s\n  secretKey: k\n  filePermission: 0600',
      '- objectName: a\n  secretPath: s\n  secretKey: k\n  encoding: utf-8',
      '- objectName: a\n  secretPath: s\n  secretKey: k\n  secretArgs: {}',
    ]) {
      assert.notEqual(objectVersion(KEY, parsedOne(changed), Buffer.from('x')), version, changed);
    }
  });

  test('two objects with identical contents get different versions', () => {
    const { objects } = parseObjects('- objectName: a\n  secretPath: s\n- objectName: b\n  secretPath: s');
    assert.notEqual(
      objectVersion(KEY, objects[0]!, Buffer.from('same')),
      objectVersion(KEY, objects[1]!, Buffer.from('same')),
    );
  });

  test('a hand-built spec uses its normalised values', () => {
    const spec: SecretObjectSpec = { objectName: 'a', secretPath: 's', method: 'GET', encoding: 'utf-8' };
    const goJson =
      '{"ObjectName":"a","SecretPath":"s","SecretKey":"","Method":"GET","SecretArgs":null,"FilePermission":0,"Encoding":"utf-8"}';
    assert.equal(objectVersion(KEY, spec, Buffer.from('v')), reference(KEY, goJson, Buffer.from('v')));
  });
});
