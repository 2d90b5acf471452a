import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseGoBool } from '../../src/go-compat/parse-bool.js';
import { parseDurationMs } from '../../src/go-compat/parse-duration.js';

describe("Go's strconv.ParseBool and time.ParseDuration", () => {
  test('Go ParseBool forms', () => {
    for (const value of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(value), true);
    for (const value of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(value), false);
    for (const value of ['yes', 'on', '', 'tRuE']) assert.equal(parseGoBool(value), undefined);
  });

  test('durations', () => {
    assert.equal(parseDurationMs('90s'), 90_000);
    assert.equal(parseDurationMs('1m30s'), 90_000);
    assert.equal(parseDurationMs('500ms'), 500);
    assert.equal(parseDurationMs('2h'), 7_200_000);
    assert.equal(parseDurationMs('5'), 5000);
    assert.equal(parseDurationMs('5x'), undefined);
    assert.equal(parseDurationMs('s'), undefined);
  });
});
