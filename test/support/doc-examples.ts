/**
 * Reads the executable examples out of the feature docs (docs/selection.md, formats.md,
 * templates.md, pki.md, check-command.md). Fenced blocks are tagged in their info string:
 * - ```json vault-data      KV secrets the page's examples read: {"mount/path": data}
 * - ```yaml example         an `objects` list, mounted through the socket
 * - ```text file=NAME       the exact content of file NAME (add `no-final-newline` when the
 *                           file has none; `pem` compares only the -----BEGIN/END----- lines)
 * - ```text error           the mount fails with a message containing this text
 * - ```yaml spc / ```json sample-data / ```sh check / ```text check-output exit=N
 *                           a check command run: files, the command line, its exact output
 */
import { readFile } from 'node:fs/promises';

export interface FencedBlock {
  readonly tags: readonly string[];
  readonly body: string;
  readonly line: number;
}

export async function fencedBlocks(file: string): Promise<FencedBlock[]> {
  const text = await readFile(file, 'utf8');
  const blocks: FencedBlock[] = [];
  const fence = /^```([^\n`]*)\n([\s\S]*?)^```[ \t]*$/gm;
  for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
    blocks.push({
      tags: (match[1] ?? '').trim().split(/\s+/),
      body: match[2] ?? '',
      line: text.slice(0, match.index).split('\n').length,
    });
  }
  return blocks;
}

export function tagValue(block: FencedBlock, name: string): string | undefined {
  const tag = block.tags.find((entry) => entry.startsWith(`${name}=`));
  return tag?.slice(name.length + 1);
}

export function hasTag(block: FencedBlock, name: string): boolean {
  return block.tags.includes(name);
}

export interface MountExample {
  readonly line: number;
  readonly objects: string;
  readonly files: { name: string; expected: string; mode: 'exact' | 'pem' }[];
  readonly error?: string;
}

/** Groups a page's blocks into examples: a `yaml example` and the expectations after it. */
export function mountExamples(blocks: readonly FencedBlock[]): MountExample[] {
  const examples: { line: number; objects: string; files: MountExample['files']; error?: string }[] = [];
  for (const block of blocks) {
    if (block.tags[0] === 'yaml' && hasTag(block, 'example')) {
      examples.push({ line: block.line, objects: block.body, files: [] });
      continue;
    }
    const current = examples.at(-1);
    if (block.tags[0] !== 'text' || current === undefined) continue;
    const name = tagValue(block, 'file');
    if (name !== undefined) {
      const expected = hasTag(block, 'no-final-newline') ? block.body.replace(/\n$/, '') : block.body;
      current.files.push({ name, expected, mode: hasTag(block, 'pem') ? 'pem' : 'exact' });
    } else if (hasTag(block, 'error')) {
      current.error = block.body.trim();
    }
  }
  return examples;
}

export function pemMarkers(text: string): string[] {
  return text.split('\n').filter((line) => /^-----(BEGIN|END) [A-Z ]+-----$/.test(line));
}
