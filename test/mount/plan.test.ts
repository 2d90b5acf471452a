import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SecretObjectSpec } from '../../src/mount/spec/mount-spec.js';
import { canonicalJson, planRequests } from '../../src/mount/plan.js';

function object(objectName: string, secretPath: string, extra: Partial<SecretObjectSpec> = {}): SecretObjectSpec {
  return { objectName, secretPath, method: 'GET', encoding: 'utf-8', ...extra };
}

describe('planRequests', () => {
  test('two keys of one dynamic credential share one request (one lease)', () => {
    const plan = planRequests([
      object('username', 'database/creds/app', { secretKey: 'username' }),
      object('password', 'database/creds/app', { secretKey: 'password' }),
    ]);
    assert.equal(plan.requests.length, 1);
    assert.deepEqual(plan.requests[0], {
      method: 'GET',
      path: '/v1/database/creds/app',
      query: {},
      key: plan.requestKeyByObject.get('username'),
    });
    assert.equal(plan.requestKeyByObject.get('password'), plan.requestKeyByObject.get('username'));
  });

  const sharing: [string, SecretObjectSpec, SecretObjectSpec, boolean][] = [
    ['path spellings of one path', object('a', 'secret/x'), object('b', '/v1/secret/x'), true],
    ['query order', object('a', 'secret/x?a=1&b=2'), object('b', 'secret/x?b=2&a=1'), true],
    [
      'args key order',
      object('a', 'pki/issue/web', { method: 'PUT', secretArgs: { common_name: 'a', ttl: '1h' } }),
      object('b', 'pki/issue/web', { method: 'PUT', secretArgs: { ttl: '1h', common_name: 'a' } }),
      true,
    ],
    [
      'different secretKey and encoding',
      object('a', 'secret/x', { secretKey: 'k' }),
      object('b', 'secret/x', { encoding: 'base64', secretKey: 'j' }),
      true,
    ],
    [
      'different args (two PKI certificates)',
      object('a', 'pki/issue/web', { method: 'PUT', secretArgs: { common_name: 'a.example.com' } }),
      object('b', 'pki/issue/web', { method: 'PUT', secretArgs: { common_name: 'b.example.com' } }),
      false,
    ],
    [
      'nested args differ',
      object('a', 'p', { secretArgs: { x: { y: [1, 2] } } }),
      object('b', 'p', { secretArgs: { x: { y: [2, 1] } } }),
      false,
    ],
    ['args absent vs empty', object('a', 'p'), object('b', 'p', { secretArgs: {} }), false],
    ['different method', object('a', 'secret/x'), object('b', 'secret/x', { method: 'POST' }), false],
    ['different query value', object('a', 'secret/x?version=1'), object('b', 'secret/x?version=2'), false],
    ['query vs none', object('a', 'secret/x?version=1'), object('b', 'secret/x'), false],
    ['different path', object('a', 'secret/x'), object('b', 'secret/y'), false],
  ];
  for (const [name, first, second, shared] of sharing) {
    test(`${name}: ${shared ? 'shared' : 'not shared'}`, () => {
      const plan = planRequests([first, second]);
      assert.equal(plan.requests.length, shared ? 1 : 2);
      assert.equal(plan.requestKeyByObject.get('a') === plan.requestKeyByObject.get('b'), shared);
    });
  }

  test('requests carry method, normalised path, query and body, in first-appearance order', () => {
    const plan = planRequests([
      object('cert', 'pki/issue/web?ttl=1h', { method: 'PUT', secretArgs: { common_name: 'a' } }),
      object('kv', 'secret/data/app?version=3'),
      object('cert-again', '/v1/pki/issue/web?ttl=1h', { method: 'PUT', secretArgs: { common_name: 'a' } }),
    ]);
    assert.deepEqual(
      plan.requests.map(({ method, path, query, body }) => ({ method, path, query: { ...query }, body })),
      [
        { method: 'PUT', path: '/v1/pki/issue/web', query: { ttl: '1h' }, body: { common_name: 'a' } },
        { method: 'GET', path: '/v1/secret/data/app', query: { version: '3' }, body: undefined },
      ],
    );
    assert.ok(!('body' in (plan.requests[1] ?? {})));
    assert.equal(plan.requestKeyByObject.size, 3);
    assert.equal(new Set(plan.requests.map((request) => request.key)).size, plan.requests.length);
  });

  test('an empty object list plans nothing', () => {
    assert.deepEqual(planRequests([]).requests, []);
  });
});

describe('canonicalJson', () => {
  test('sorts keys at every depth, no whitespace', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }),
      '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
  test('equal values give equal text whatever the insertion order', () => {
    assert.equal(canonicalJson({ x: 1, y: 2 }), canonicalJson({ y: 2, x: 1 }));
  });
});
