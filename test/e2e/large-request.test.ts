/**
 * Requests above a few dozen KiB are parsed in the sandbox (src/mount/parse-in-sandbox.ts), off
 * the event loop: through the socket they must mean exactly what they mean when parsed in place,
 * valid or not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { INLINE_PARSE_MAX_BYTES } from '../../src/mount/parse-in-sandbox.js';
import { spcParameters, startHarness, type Harness } from '../support/harness.js';

/** `count` objects reading the sample secret; about 80 bytes each. */
const objects = (count: number, extra = '') =>
  Array.from(
    { length: count },
    (_, i) => `- {objectName: f${i}, secretPath: secret/data/app, secretKey: username${extra}}`,
  ).join('\n');

describe('large requests, parsed in the sandbox', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('a request past the in-place size mounts exactly as a small one does', async () => {
    const large = objects(600);
    assert.ok(large.length > INLINE_PARSE_MAX_BYTES, 'the premise: this request is parsed in the sandbox');
    const outcome = await h.mount(h.appPod(), spcParameters(large));
    assert.equal(outcome.files.length, 600);
    assert.equal(outcome.files[599]?.contents.toString(), 'app-user');
  });

  test('a bad field gets the same InvalidArgument message, large or small', async () => {
    const messages: string[] = [];
    for (const count of [3, 600]) {
      await assert.rejects(
        h.mount(h.appPod(), spcParameters(objects(count, ', secretkey: typo'))),
        (error: { code?: number; details?: string }) => {
          assert.equal(error.code, status.INVALID_ARGUMENT, error.details);
          messages.push(error.details ?? '');
          return true;
        },
      );
    }
    assert.match(messages[0] ?? '', /^object "f0" \(objects\[0\]\): unknown field "secretkey"/);
    assert.equal(messages[1], messages[0]);
  });
});
