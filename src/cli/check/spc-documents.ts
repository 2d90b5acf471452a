/**
 * The inputs of `check`: files, directories, globs and `-` (standard input), split into YAML
 * documents, and the SecretProviderClasses in them (a document, or an item of a `List`), each
 * with a way to find the line of any of its nodes so findings can point at it.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { glob } from 'tinyglobby';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { Finding } from './check-report.js';

/** A file or pattern that cannot be read: the run cannot do what was asked (exit 2). */
export class CheckInputError extends Error {
  override readonly name = 'CheckInputError';
}

export interface CheckSource {
  /** As given or matched; `-` for standard input. */
  readonly name: string;
  readonly text: string;
}

const GLOB_CHARACTERS = /[*?[\]{}]/;

async function matched(pattern: string): Promise<string[]> {
  // Names as the user wrote them: absolute for an absolute pattern, else relative to here.
  const files = await glob(pattern, { onlyFiles: true, expandDirectories: false, absolute: isAbsolute(pattern) });
  if (files.length === 0) throw new CheckInputError(`no file matches "${pattern}"`);
  return files.sort();
}

async function readSource(name: string): Promise<string> {
  try {
    return await readFile(name, 'utf8');
  } catch (error) {
    throw new CheckInputError(`cannot read "${name}" (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}

/** Every input as text, in the order given; a directory means its `*.yaml` and `*.yml` files, recursively. */
export async function readSources(inputs: readonly string[], stdin: () => Promise<string>): Promise<CheckSource[]> {
  const sources: CheckSource[] = [];
  for (const input of inputs) {
    if (input === '-') {
      sources.push({ name: '-', text: await stdin() });
      continue;
    }
    let names: string[];
    if (GLOB_CHARACTERS.test(input)) {
      names = await matched(input);
    } else if ((await stat(input).catch(() => undefined))?.isDirectory() === true) {
      names = await matched(`${input.replace(/\/+$/, '')}/**/*.{yaml,yml}`);
    } else {
      names = [input];
    }
    for (const name of names) sources.push({ name, text: await readSource(name) });
  }
  return sources;
}

type PathKey = string | number;

/** One SecretProviderClass in a source, with line lookups relative to its own root node. */
export interface SpcCandidate {
  readonly file: string;
  /** 1-based document in the file. */
  readonly document: number;
  /** `items[3].` when the SPC is an item of a List, else empty. */
  readonly pathPrefix: string;
  readonly value: Record<string, unknown>;
  /** The line of the key at `path` (or of the value, for a list item), 1-based. */
  lineOf(path: readonly PathKey[]): number | undefined;
  /** The node at `path`, for callers that need its source (the objects parameter). */
  nodeAt(path: readonly PathKey[]): Node | undefined;
  /** The source text and first line of a node. */
  sourceOf(node: Node): { text: string; line: number; column: number };
}

export interface SourceScan {
  readonly candidates: SpcCandidate[];
  readonly findings: Finding[];
}

const SPC_KIND = 'SecretProviderClass';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finds the SecretProviderClasses of one source; YAML errors are findings. */
export function scanSource(source: CheckSource): SourceScan {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(source.text, { lineCounter, prettyErrors: false });
  const candidates: SpcCandidate[] = [];
  const findings: Finding[] = [];
  const list = Array.isArray(documents) ? documents : [];
  list.forEach((document, index) => {
    const documentNumber = index + 1;
    const error = document.errors[0];
    if (error !== undefined) {
      // An error found at the end of the input (an unclosed bracket) points at the last line.
      const lastLine = source.text.split('\n').length - (source.text.endsWith('\n') ? 1 : 0);
      const line = Math.min(lineCounter.linePos(error.pos[0]).line, Math.max(lastLine, 1));
      findings.push({
        severity: 'error',
        rule: 'yaml',
        message: `not valid YAML: ${error.message.split('\n')[0] ?? error.code}`,
        location: { file: source.name, document: documentNumber, line },
      });
      return;
    }
    const value: unknown = document.toJS();
    if (!isRecord(value)) return;
    const make = (prefix: readonly PathKey[], item: Record<string, unknown>): SpcCandidate =>
      candidate(source, document, lineCounter, documentNumber, prefix, item);
    if (value.kind === SPC_KIND) {
      candidates.push(make([], value));
    } else if (Array.isArray(value.items) && typeof value.kind === 'string' && value.kind.endsWith('List')) {
      value.items.forEach((item: unknown, itemIndex) => {
        if (isRecord(item) && item.kind === SPC_KIND) candidates.push(make(['items', itemIndex], item));
      });
    }
  });
  return { candidates, findings };
}

function candidate(
  source: CheckSource,
  document: Document.Parsed,
  lineCounter: LineCounter,
  documentNumber: number,
  prefix: readonly PathKey[],
  value: Record<string, unknown>,
): SpcCandidate {
  const line = (offset: number) => lineCounter.linePos(offset).line;
  const nodeAt = (path: readonly PathKey[]): Node | undefined => {
    const node: unknown = document.getIn([...prefix, ...path], true);
    return isScalar(node) || isMap(node) || isSeq(node) ? node : undefined;
  };
  return {
    file: source.name,
    document: documentNumber,
    pathPrefix: prefix.length === 0 ? '' : `${String(prefix[0])}[${String(prefix[1])}].`,
    value,
    nodeAt,
    lineOf(path) {
      const parent: unknown = document.getIn([...prefix, ...path.slice(0, -1)], true);
      const last = path.at(-1);
      if (isMap(parent)) {
        const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
        const key = pair?.key;
        if (isScalar(key) && key.range !== undefined && key.range !== null) return line(key.range[0]);
      }
      const node = nodeAt(path);
      return node?.range === undefined || node.range === null ? undefined : line(node.range[0]);
    },
    sourceOf(node) {
      const start = node.range?.[0] ?? 0;
      const end = node.range?.[1] ?? start;
      const position = lineCounter.linePos(start);
      return { text: source.text.slice(start, end), line: position.line, column: position.col };
    },
  };
}
