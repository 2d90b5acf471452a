// Prints the import graph of src/ between the parts of lint/import-layers.js, as it is in the code:
// `npm run graph` (text: one line per part, what it imports and how many files do) or
// `npm run graph -- --mermaid` (a Mermaid flowchart to paste into a Markdown file or mermaid.live).
// It exits 1 when the parts import each other in a cycle, which the lint rule already prevents.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { LAYERS, partOf } from './import-layers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** part → imported part → number of files of the part that import it. */
export function importGraph() {
  const graph = new Map();
  for (const file of sourceFiles(src)) {
    const from = partOf(relative(src, file).split('\\').join('/'));
    const targets = new Set();
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = relative(src, resolve(dirname(file), fileName))
        .split('\\')
        .join('/');
      const to = target.startsWith('..') ? 'outside src' : (partOf(target) ?? target);
      if (to !== from) targets.add(to);
    }
    const edges = graph.get(from) ?? new Map();
    for (const to of targets) edges.set(to, (edges.get(to) ?? 0) + 1);
    graph.set(from, edges);
  }
  return graph;
}

function cycleIn(graph) {
  const layers = Object.fromEntries([...graph].map(([part, edges]) => [part, [...edges.keys()]]));
  const state = new Map();
  const stack = [];
  const visit = (part) => {
    if (state.get(part) === 'done') return undefined;
    if (state.get(part) === 'open') return [...stack.slice(stack.indexOf(part)), part];
    state.set(part, 'open');
    stack.push(part);
    for (const next of layers[part] ?? []) {
      const found = visit(next);
      if (found !== undefined) return found;
    }
    stack.pop();
    state.set(part, 'done');
    return undefined;
  };
  for (const part of Object.keys(layers)) {
    const found = visit(part);
    if (found !== undefined) return found;
  }
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const graph = importGraph();
  const order = Object.keys(LAYERS).filter((part) => graph.has(part));
  if (process.argv.includes('--mermaid')) {
    console.log('flowchart TD');
    for (const part of order) {
      for (const [to] of graph.get(part)) console.log(`  ${JSON.stringify(part)} --> ${JSON.stringify(to)}`);
    }
  } else {
    for (const part of order) {
      const edges = [...graph.get(part)].map(([to, files]) => `${to} (${files})`).join(', ');
      console.log(`${part.padEnd(16)} → ${edges === '' ? '-' : edges}`);
    }
  }
  const cycle = cycleIn(graph);
  if (cycle !== undefined) {
    console.error(`import cycle between parts of src/: ${cycle.join(' → ')}`);
    process.exitCode = 1;
  }
}
