/**
 * The BUILT provider (`dist/main.js`, what the image runs) for the tests that start it as a
 * process: a stale or missing build is rebuilt once (`npm run build`) before the first start.
 * Test files run in parallel processes, so a lock directory lets one build while the others wait.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const PROVIDER_MAIN = join(REPO_ROOT, 'dist', 'main.js');

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function buildIsCurrent(): boolean {
  return existsSync(PROVIDER_MAIN) && statSync(PROVIDER_MAIN).mtimeMs >= newestMtimeMs(join(REPO_ROOT, 'src'));
}

/** Builds `dist/` when it is missing or older than `src/`. */
export async function ensureBuiltProvider(): Promise<void> {
  if (buildIsCurrent()) return;
  const lock = join(tmpdir(), `vcp-build-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`waited 3 minutes for another build (lock ${lock})`);
      await sleep(250);
    }
  }
  try {
    if (buildIsCurrent()) return;
    try {
      await promisify(execFile)('npm', ['run', 'build'], { cwd: REPO_ROOT });
    } catch (error) {
      const output = error as { stdout?: string; stderr?: string };
      throw new Error(
        `dist/main.js is missing or older than src/, and \`npm run build\` failed:\n${output.stdout ?? ''}${output.stderr ?? ''}`,
        { cause: error },
      );
    }
  } finally {
    await rmdir(lock);
  }
}
