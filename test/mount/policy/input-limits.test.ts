import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { yamlNestingDepth } from '../../../src/mount/policy/input-limits.js';

describe('yamlNestingDepth', () => {
  const cases: [string, string, number][] = [
    ['flat list', '- {objectName: a, secretPath: b}', 2],
    ['block mapping', '- objectName: a\n  secretPath: b\n  secretArgs:\n    k: v', 3],
    ['quoted brackets do not count', `- {objectName: "[[[[", secretPath: '{{{{'}`, 2],
    ['comments do not count', '- objectName: a # [[[[[[', 2],
    ['nested flow', '- {a: [[[1]]]}', 5],
    ['dashes on one line', '- - - x', 4],
    ['dedent resets', '- a:\n    b:\n      c: 1\n- d: 1', 3],
  ];
  for (const [name, text, depth] of cases) {
    test(name, () => assert.equal(yamlNestingDepth(text), depth));
  }
  test('a 100 000-bracket bomb is measured without recursion', () => {
    assert.equal(yamlNestingDepth(`- ${'['.repeat(100_000)}${']'.repeat(100_000)}`), 100_001);
  });
});
