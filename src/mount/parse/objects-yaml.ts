/**
 * The YAML layer of the `objects` parameter: text → document and plain JS value, with the
 * limits that make untrusted YAML safe to parse (unique keys, at most MAX_ALIAS_COUNT alias
 * expansions, any error or warning fatal) and yaml.v3's reading of plain scalars: leading-zero
 * integers, 64-bit integers, timestamps (go-yaml-scalars.ts).
 */
import YAML, { isScalar, LineCounter, type Document, type ScalarTag } from 'yaml';
import { InvalidParameterError } from '../../errors.js';
import { GO_YAML_SCALARS } from './go-yaml-scalars.js';

/** More alias expansions than any real `objects` list needs; stops "billion laughs" documents. */
const MAX_ALIAS_COUNT = 100;

/** yaml.v3 (YAML 1.1 habit) reads `0600` as octal; the 1.2 core schema would say decimal 600. */
const leadingZeroOctal: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  format: 'OCT',
  test: /^0[0-7]+$/,
  resolve: (source) => Number.parseInt(source, 8),
  // Parse-only: never used to stringify.
  identify: () => false,
};

function objectsError(why: string): InvalidParameterError {
  return new InvalidParameterError(`parameter "objects": ${why}`);
}

export function parseObjectsYaml(text: string): { doc: Document; value: unknown } {
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, {
    version: '1.2',
    schema: 'core',
    customTags: (tags) => [leadingZeroOctal, ...GO_YAML_SCALARS, ...tags],
    merge: true,
    uniqueKeys: true,
    strict: true,
    prettyErrors: false,
    lineCounter,
  });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) {
    const { line, col } = lineCounter.linePos(problem.pos[0]);
    // Only the parser's first message line: later lines would quote source, and secretArgs may
    // hold values the user would rather not see in pod events.
    const reason = problem.message.split('\n')[0] ?? problem.code;
    throw objectsError(`is not valid YAML (line ${line}, column ${col}: ${reason})`);
  }
  try {
    return { doc, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch {
    throw objectsError(`expands too many YAML aliases (more than ${MAX_ALIAS_COUNT}); write the list out`);
  }
}

/** Text of a plain scalar as written (`1.10`, `0600`), when the entry is a literal mapping. */
export function scalarSource(doc: Document, index: number, field: string): string | undefined {
  const node = doc.getIn([index, field], true);
  return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
}
