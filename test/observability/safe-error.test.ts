import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VaultPermissionDeniedError } from '../../src/errors.js';
import { KubeApiError } from '../../src/kube/kube-api-error.js';
import { loggableError, safeReason } from '../../src/observability/safe-error.js';

const SECRET = 'Pa55word';

function jsonParseError(): Error {
  try {
    JSON.parse(`{"password": ${SECRET}}`);
  } catch (error) {
    return error as Error;
  }
  throw new Error('unreachable');
}

describe('what of an error reaches a log line', () => {
  test('V8 quotes JSON.parse input in messages: a foreign error is logged by type, code and frames only', () => {
    const error = jsonParseError();
    assert.ok(error.message.includes(SECRET), 'the premise: the message quotes the secret');
    const logged = loggableError(error);
    assert.equal(logged.errorType, 'SyntaxError');
    assert.equal(logged.message, undefined);
    assert.match(logged.frames ?? '', /^\s+at .*safe-error\.test\.ts/m);
    assert.ok(!JSON.stringify(logged).includes(SECRET));
    assert.equal(safeReason(error), 'SyntaxError');
  });

  test('a system error keeps its code', () => {
    const error = Object.assign(new Error(`connect ECONNREFUSED, sent ${SECRET}`), { code: 'ECONNREFUSED' });
    assert.equal(safeReason(error), 'Error (ECONNREFUSED)');
    assert.ok(!JSON.stringify(loggableError(error)).includes(SECRET));
  });

  test('provider and Kubernetes client errors are vetted: their messages are kept', () => {
    const denied = new VaultPermissionDeniedError('object "db": Vault denied reading secret/data/db');
    assert.deepEqual(loggableError(denied), {
      errorType: 'VaultPermissionDeniedError',
      code: 'ERR_VAULT_PERMISSION_DENIED',
      message: 'object "db": Vault denied reading secret/data/db',
    });
    const gone = new KubeApiError('ERR_KUBE_GONE', 'GET /api/v1/pods: 410 too old resource version');
    assert.equal(safeReason(gone), 'GET /api/v1/pods: 410 too old resource version');
  });

  test('a thrown non-error is described by its type', () => {
    assert.deepEqual(loggableError(`token ${SECRET}`), { errorType: 'string' });
  });
});
