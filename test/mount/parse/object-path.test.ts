import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidParameterError } from '../../../src/errors.js';
import { objectPathConflicts, objectPathProblem, validateObjectPath } from '../../../src/mount/parse/object-path.js';

describe('objectName as a file path (the driver rules, checked early)', () => {
  const valid = [
    'a',
    'db-password',
    'tls/cert.pem',
    'a/b/c',
    '.hidden',
    'a/..b',
    'a/.b',
    'x'.repeat(255),
    `${'d'.repeat(255)}/${'f'.repeat(255)}`,
    'ünïcødé',
  ];
  for (const name of valid) {
    test(`valid: ${name.length > 40 ? `${name.slice(0, 20)}…(${name.length})` : name}`, () => {
      assert.equal(objectPathProblem(name), undefined);
      validateObjectPath(name, 'object "x"');
    });
  }

  const invalid: [string, RegExp][] = [
    ['', /must not be empty/],
    ['/etc/passwd', /relative path/],
    ['..', /"\.\." element/],
    ['../a', /"\.\." element/],
    ['a/../b', /"\.\." element/],
    ['a/..', /"\.\." element/],
    ['..data', /must not start with "\.\."/],
    ['..2024_01_01/x', /must not start with "\.\."/],
    ['x'.repeat(256), /longer than 255 bytes/],
    ['é'.repeat(128), /longer than 255 bytes/],
    [Array.from({ length: 20 }, () => 'y'.repeat(250)).join('/'), /at most 4096 bytes/],
    ['./a', /clean path \(write "a"\)/],
    ['a//b', /clean path \(write "a\/b"\)/],
    ['a/./b', /clean path \(write "a\/b"\)/],
    ['a/', /must not end with "\/"/],
    ['.', /not the mount directory/],
    ['a\0b', /NUL/],
    ['a\\b', /backslash/],
  ];
  for (const [name, pattern] of invalid) {
    test(`invalid: ${JSON.stringify(name.length > 40 ? `${name.slice(0, 20)}…` : name)}`, () => {
      assert.throws(
        () => validateObjectPath(name, 'object "db" (objects[2])'),
        (error: unknown) =>
          error instanceof InvalidParameterError &&
          error.message.startsWith('object "db" (objects[2]): objectName ') &&
          pattern.test(error.message),
      );
    });
  }
});

describe('objectName uniqueness', () => {
  const messages = (names: string[]) => objectPathConflicts(names).map((conflict) => conflict.message);
  test('distinct names pass; empty names (already a problem) are skipped', () => {
    assert.deepEqual(objectPathConflicts(['a', 'b', 'dir/a', 'dir/b', 'A', '', '']), []);
  });
  test('duplicates are listed once each with all their indexes, pointing at the first repeat', () => {
    const conflicts = objectPathConflicts(['a', 'b', 'a', 'a', 'b', 'c']);
    assert.deepEqual(conflicts, [
      {
        index: 2,
        message:
          'parameter "objects": duplicate objectName "a" (objects[0], objects[2], objects[3]), "b" (objects[1], objects[4]); each objectName is a file in the mount and must be unique',
      },
    ]);
  });
  test('a file cannot also be a directory of another object; each clash is its own problem', () => {
    assert.match(
      messages(['tls', 'tls/cert.pem'])[0] ?? '',
      /objectName "tls" \(objects\[0\]\) is a file, but "tls\/cert\.pem" \(objects\[1\]\) needs it to be a directory/,
    );
    assert.match(messages(['a/b/c', 'a'])[0] ?? '', /"a" \(objects\[1\]\) is a file/);
    assert.equal(messages(['a', 'a/x', 'b', 'b/y']).length, 2);
  });
});
