/**
 * Threat: an SPC author names an object `../../etc/cron.d/x` or `/etc/passwd` so the driver, which
 * writes the returned files as root, writes outside the pod's volume; or smuggles `..` into a
 * Vault path. Control: objectName must be a clean relative path (the driver's own rules, checked
 * before any Vault request); secretPath refuses `.`/`..` segments, also percent-encoded.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { spcParameters, startHarness } from '../support/harness.js';
import { failureOf } from './attack-kit.js';

const NAMES = [
  '../escape',
  '/etc/passwd',
  'a/../../b',
  '..',
  '.',
  './x',
  'a//b',
  'x/',
  '..data',
  '..2026_01_01/x',
  'a\u0000b',
];
const PATHS = ['secret/data/../../sys/raw/x', 'secret/data/%2e%2e/admin', 'secret\\data\\app', 'secret/data/app#x'];

describe('threat: path traversal through objectName or secretPath', () => {
  test('every traversal form is InvalidArgument before any Vault request', async () => {
    const h = await startHarness();
    try {
      h.vault.stats.reset();
      for (const name of NAMES) {
        const failure = await failureOf(
          h.mount(h.appPod(), spcParameters(`- {objectName: ${JSON.stringify(name)}, secretPath: secret/data/app}`)),
        );
        assert.equal(failure.code, status.INVALID_ARGUMENT, JSON.stringify(name));
      }
      for (const path of PATHS) {
        const failure = await failureOf(
          h.mount(h.appPod(), spcParameters(`- {objectName: x, secretPath: ${JSON.stringify(path)}}`)),
        );
        assert.equal(failure.code, status.INVALID_ARGUMENT, path);
      }
      assert.equal(h.vault.stats.requests.length, 0, 'nothing reached Vault');
    } finally {
      await h.stop();
    }
  });
});
