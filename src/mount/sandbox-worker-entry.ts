/**
 * Where the sandbox's worker module is (sandbox-worker.ts), for the pool that starts workers:
 * beside this file, with its extension (`.js` when built, `.ts` when run from the sources).
 */
import { extname } from 'node:path';

export const SANDBOX_WORKER_ENTRY = new URL(`./sandbox-worker${extname(import.meta.url)}`, import.meta.url);
