/**
 * Lines for findings inside the `objects` parameter. The parameter is a YAML text inside the
 * manifest: written as a literal block (`objects: |`), its lines are the manifest's lines, so
 * an entry or field can be found in the file; written as a YAML list (a common mistake), its
 * source is cut out and dedented to become the text the provider would read. Other scalar
 * styles fold lines, so only the parameter's own line is known.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { SpcCandidate } from './spc-documents.js';

export interface ObjectsSource {
  /** The text the provider would parse. */
  readonly text: string;
  /** The manifest line of a problem in an entry (and field), or of the first YAML error. */
  lineOf(objectIndex?: number, field?: string): number | undefined;
}

const OBJECTS_PATH = ['spec', 'parameters', 'objects'] as const;

function dedented(source: { text: string; column: number }): string {
  const indent = source.column - 1;
  return source.text
    .split('\n')
    .map((line, index) => (index === 0 ? line : line.slice(Math.min(indent, line.length - line.trimStart().length))))
    .join('\n');
}

export function objectsSource(candidate: SpcCandidate, fallbackText: string | undefined): ObjectsSource | undefined {
  const keyLine = candidate.lineOf(OBJECTS_PATH);
  const node: Node | undefined = candidate.nodeAt(OBJECTS_PATH);
  if (node === undefined) return undefined;
  let text: string;
  let firstLine: number | undefined;
  if (isSeq(node) || isMap(node)) {
    const source = candidate.sourceOf(node);
    text = dedented(source);
    firstLine = source.line;
  } else if (isScalar(node) && typeof node.value === 'string') {
    text = node.value;
    // A literal block's content starts on the line after its `|` indicator.
    if (node.type === 'BLOCK_LITERAL') firstLine = candidate.sourceOf(node).line + 1;
  } else {
    if (fallbackText === undefined) return undefined;
    text = fallbackText;
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const fileLine = (offset: number | undefined): number | undefined =>
    firstLine === undefined || offset === undefined ? keyLine : firstLine + lineCounter.linePos(offset).line - 1;
  return {
    text,
    lineOf(objectIndex, field) {
      const error = document.errors[0];
      if (error !== undefined) return fileLine(error.pos[0]);
      if (objectIndex === undefined) return keyLine;
      const list = document.contents;
      const entry = isSeq(list) ? list.items[objectIndex] : undefined;
      if (isMap(entry) && field !== undefined) {
        const pair = entry.items.find((item) => isScalar(item.key) && item.key.value === field);
        if (isScalar(pair?.key)) return fileLine(pair.key.range[0]);
      }
      return isMap(entry) || isScalar(entry) || isSeq(entry) ? fileLine(entry.range[0]) : keyLine;
    },
  };
}
