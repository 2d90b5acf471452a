import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { didYouMean, levenshtein, suggest } from '../../../src/mount/parse/suggest.js';

const FIELDS = ['objectName', 'secretPath', 'secretKey', 'method', 'secretArgs', 'filePermission', 'encoding'];

describe('levenshtein', () => {
  const cases: [string, string, number][] = [
    ['', '', 0],
    ['a', '', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['secretkey', 'secretkey', 0],
    ['flaw', 'lawn', 2],
  ];
  for (const [a, b, distance] of cases) {
    test(`${a || '""'} ↔ ${b || '""'} = ${distance}`, () => {
      assert.equal(levenshtein(a, b), distance);
      assert.equal(levenshtein(b, a), distance);
    });
  }
});

describe('suggest', () => {
  const cases: [string, string | undefined][] = [
    ['secretkey', 'secretKey'],
    ['SECRETPATH', 'secretPath'],
    ['secretKy', 'secretKey'],
    ['fileperms', undefined],
    ['filePermisions', 'filePermission'],
    ['encodng', 'encoding'],
    ['methd', 'method'],
    ['x', undefined],
    ['objectAlias', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) {
    test(`${input || '""'} → ${expected ?? 'nothing'}`, () => {
      assert.equal(suggest(input, FIELDS), expected);
    });
  }
  test('didYouMean formats a hint or nothing', () => {
    assert.equal(didYouMean('secretkey', FIELDS), '; did you mean "secretKey"?');
    assert.equal(didYouMean('zzz', FIELDS), '');
  });
});
