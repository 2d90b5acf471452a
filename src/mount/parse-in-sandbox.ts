/**
 * The parse stage for large requests. Parsing is linear in the request's size, but a pod can
 * send up to `-max-attributes-bytes` (1 MiB) of YAML and templates on every Mount: about half a
 * second of work, on the event loop every other pod, probe and socket call shares. Requests above
 * a size at which parsing costs a few milliseconds are parsed in the sandbox, under its time and
 * memory limits; the usual few-KiB SecretProviderClass is parsed in place, at no extra cost.
 */
import type { Logger } from '../observability/logger.js';
import { runInSandbox } from '../sandbox/sandbox-call.js';
import type { SandboxPool } from '../sandbox/sandbox-pool.js';
import type { MountRequestStrings, ParseOptions } from './parse/attributes.js';
import type { ConnectionDefaults, MountSpec } from './spec/mount-spec.js';

/** Requests up to this size (attributes and secrets) are parsed in place: a few milliseconds. */
export const INLINE_PARSE_MAX_BYTES = 32 * 1024;

/** The parse task as the sandbox worker receives it (sandbox-worker.ts). */
export interface ParseSandboxTask {
  readonly kind: 'parse';
  readonly request: MountRequestStrings;
  readonly defaults: ConnectionDefaults;
  readonly options: ParseOptions;
}

export interface SandboxedParse {
  readonly pool: SandboxPool;
  readonly timeLimitMs: number;
  readonly memoryLimitMb: number;
  readonly logger: Logger;
}

export function isLargeRequest(request: MountRequestStrings): boolean {
  return request.attributes.length + request.secrets.length > INLINE_PARSE_MAX_BYTES;
}

/**
 * Parses in a worker. The pod is not known before parsing, so every large request shares one
 * tenant of the fair queue: large requests wait for each other, not for everyone else.
 */
export function parseInSandbox(
  task: ParseSandboxTask,
  sandbox: SandboxedParse,
  call: { deadlineMs: number; cancelled: AbortSignal },
): Promise<MountSpec> {
  return runInSandbox<MountSpec>(task, {
    ...sandbox,
    tenant: '(large requests)',
    deadlineMs: call.deadlineMs,
    cancelled: call.cancelled,
    activity: 'parsing the request',
    subject: () => 'SecretProviderClass',
  });
}
