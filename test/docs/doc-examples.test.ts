/**
 * Every example in the feature docs runs here: `objects` examples are mounted through the
 * provider's socket against the dev Vault (seeded with the page's own `vault-data` blocks) and
 * the files compared with the documented content; check-command examples run the command and
 * compare its output. A doc example that drifts from the code fails CI.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readMountedFiles } from '../support/driver/index.js';
import {
  fencedBlocks,
  hasTag,
  mountExamples,
  pemMarkers,
  tagValue,
  type FencedBlock,
} from '../support/doc-examples.js';
import { seedFileFeatures } from '../support/file-features-seed.js';
import { spcParameters, startHarness, type Harness } from '../support/harness.js';
import { runCheck } from '../cli/run-check.js';

/** Exact, except that an expected line ending in `…` only has to start the actual line. */
function assertOutput(actual: string, expected: string, where: string): void {
  const actualLines = actual.split('\n');
  const expectedLines = expected.split('\n');
  const matched = expectedLines.map((line, index) =>
    line.endsWith('…') && actualLines[index]?.startsWith(line.slice(0, -1)) === true
      ? (actualLines[index] ?? '')
      : line,
  );
  assert.equal(actual, matched.join('\n'), where);
}

const MOUNT_PAGES = ['docs/selection.md', 'docs/formats.md', 'docs/templates.md', 'docs/pki.md'];
const CHECK_PAGES = ['docs/check-command.md', 'docs/secret-sync.md'];

function seedPage(h: Harness, blocks: readonly FencedBlock[]): void {
  for (const block of blocks.filter((entry) => entry.tags[0] === 'json' && hasTag(entry, 'vault-data'))) {
    const secrets = JSON.parse(block.body) as Record<string, Record<string, unknown>>;
    for (const [path, data] of Object.entries(secrets)) {
      const [mount = '', ...rest] = path.split('/');
      h.vault.writeKv(mount, rest.join('/'), data);
    }
  }
}

describe('documentation examples', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    seedFileFeatures(h.vault);
  });
  after(async () => {
    await h.stop();
  });

  test('every fenced block on the feature pages is an executed example (or the synopsis)', async () => {
    const known = ['vault-data', 'example', 'error', 'spc', 'sample-data', 'check', 'check-output', 'synopsis'];
    for (const page of [...MOUNT_PAGES, 'docs/check-command.md']) {
      for (const block of await fencedBlocks(page)) {
        const executed = block.tags.some((tag) => known.includes(tag) || tag.startsWith('file='));
        assert.ok(executed, `${page}:${block.line}: a block tagged "${block.tags.join(' ')}" is not executed`);
      }
    }
  });

  for (const page of MOUNT_PAGES) {
    test(`${page}: every example mounts as documented`, async () => {
      const blocks = await fencedBlocks(page);
      seedPage(h, blocks);
      const examples = mountExamples(blocks);
      assert.ok(examples.length > 0, `${page} has examples`);
      for (const example of examples) {
        const where = `${page}:${example.line}`;
        assert.ok(example.files.length > 0 || example.error !== undefined, `${where}: example has an expectation`);
        const attempt = h.mount(h.appPod(), spcParameters(example.objects));
        if (example.error !== undefined) {
          await assert.rejects(attempt, (error: Error) => {
            assert.ok(error.message.includes(example.error ?? ''), `${where}: got ${error.message}`);
            return true;
          });
          continue;
        }
        const files = await readMountedFiles((await attempt).target);
        for (const file of example.files) {
          const actual = files.get(file.name)?.contents.toString('utf8');
          assert.notEqual(actual, undefined, `${where}: file ${file.name} mounted`);
          if (file.mode === 'pem') assert.deepEqual(pemMarkers(actual ?? ''), pemMarkers(file.expected), where);
          else assert.equal(actual, file.expected, `${where}: ${file.name}`);
        }
      }
    });
  }

  for (const page of CHECK_PAGES) {
    test(`${page}: every check run prints what the page shows`, async () => {
      const blocks = await fencedBlocks(page);
      const dir = await mkdtemp(join(tmpdir(), 'vcp-doc-check-'));
      try {
        const tokenFile = join(dir, 'token');
        const { token } = await h.issuer.sign({
          namespace: 'default',
          serviceAccountName: 'app',
          podName: 'check',
          podUid: '00000000-0000-0000-0000-000000000001',
          audiences: ['vault'],
        });
        await writeFile(tokenFile, token);
        let runs = 0;
        let command: string[] | undefined;
        for (const block of blocks) {
          if (block.tags[0] === 'yaml' && hasTag(block, 'spc'))
            await writeFile(join(dir, tagValue(block, 'file') ?? 'spc.yaml'), block.body);
          if (block.tags[0] === 'json' && hasTag(block, 'sample-data'))
            await writeFile(join(dir, 'sample.json'), block.body);
          if (block.tags[0] === 'sh' && hasTag(block, 'check')) {
            const line = block.body.trim().replace(/^vault-csi-provider check /, '');
            command = line.split(/\s+/).map((word) =>
              word
                .replace('$VAULT_ADDR', h.vault.address)
                .replace('$TOKEN_FILE', tokenFile)
                .replace(/^(spc[\w-]*\.yaml|sample\.json)$/, (name) => join(dir, name)),
            );
          }
          if (block.tags[0] === 'text' && hasTag(block, 'check-output')) {
            assert.ok(command !== undefined, `${page}:${block.line}: output follows a command`);
            const result = await runCheck(command);
            const output = result.out.replaceAll(h.vault.address, '$VAULT_ADDR').replaceAll(dir + '/', '');
            assertOutput(output, block.body, `${page}:${block.line}`);
            assert.equal(result.code, Number(tagValue(block, 'exit') ?? '0'), `${page}:${block.line}: exit code`);
            runs++;
          }
        }
        assert.ok(runs >= 1, `${page} runs the command`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
