/**
 * The shell commands of the documentation hold. Every `sh` block in docs/, the README and
 * deploy/README.md says how it is checked: `run` (executed here with the built binary; the next
 * `text output` block is its exact standard output, `exit=N` its status), `check` (a check run,
 * test/docs/doc-examples.test.ts), `ci` (what CI runs itself: builds, tests, benchmarks), or
 * `cluster` (needs a cluster, a registry or a Vault server: not run here).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureBuiltProvider, PROVIDER_MAIN } from '../support/built-provider.js';
import { fencedBlocks, hasTag, tagValue } from '../support/doc-examples.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = PROVIDER_MAIN;
const KINDS = ['run', 'check', 'ci', 'cluster'];

async function pages(): Promise<string[]> {
  const docs = (await readdir(join(REPO, 'docs'))).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`);
  return [...docs.sort(), 'README.md', 'deploy/README.md'];
}

describe('the commands in the documentation', () => {
  test('every sh block says how it is checked', async () => {
    for (const page of await pages()) {
      for (const block of await fencedBlocks(join(REPO, page))) {
        if (block.tags[0] !== 'sh') continue;
        assert.ok(
          block.tags.slice(1).some((tag) => KINDS.includes(tag)),
          `${page}:${block.line}: tag the block ${KINDS.join(', ')}`,
        );
      }
    }
  });

  test('every run block prints what the page shows', async () => {
    await ensureBuiltProvider();
    let runs = 0;
    for (const page of await pages()) {
      const blocks = await fencedBlocks(join(REPO, page));
      const dir = await mkdtemp(join(tmpdir(), 'vcp-doc-run-'));
      try {
        for (const [index, block] of blocks.entries()) {
          const file = tagValue(block, 'file');
          if (block.tags[0] === 'yaml' && file !== undefined) await writeFile(join(dir, file), block.body);
          if (block.tags[0] !== 'sh' || !hasTag(block, 'run')) continue;
          const result = spawnSync(
            'bash',
            ['-c', `vault-csi-provider() { node "${MAIN}" "$@"; }\nset -o pipefail\n${block.body}`],
            { cwd: dir, encoding: 'utf8', timeout: 30_000 },
          );
          const expected = blocks[index + 1];
          assert.ok(
            expected?.tags[0] === 'text' && hasTag(expected, 'output'),
            `${page}:${block.line}: a run block is followed by its output`,
          );
          assert.equal(result.stdout, expected.body, `${page}:${block.line}: output`);
          assert.equal(result.status, Number(tagValue(expected, 'exit') ?? '0'), `${page}:${block.line}: exit status`);
          runs++;
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    assert.ok(runs >= 3, 'docs/cli.md runs the binary');
  });
});
