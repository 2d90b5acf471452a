/**
 * One Mount's use of the sandbox, as a provider error when it goes wrong: the Mount's deadline
 * and the driver's cancellation end the task (DeadlineExceeded), a spent budget is
 * ResourceExhausted naming the culprit and the flag, a failure inside the worker comes back as
 * the provider error it was, and anything else is Internal with its details only in the log.
 */
import {
  DeadlineExceededError,
  InternalError,
  providerErrorFromCode,
  ResourceLimitError,
  type ProviderError,
} from '../errors.js';
import { deadlineSignal } from '../async/deadline-signal.js';
import type { Logger } from '../observability/logger.js';
import type { SandboxOutcome, SandboxPool } from './sandbox-pool.js';

export interface SandboxCall {
  readonly pool: SandboxPool;
  /** Who the work is for (a pod uid): the queue is fair between tenants. */
  readonly tenant: string;
  readonly timeLimitMs: number;
  readonly memoryLimitMb: number;
  /** Epoch ms (wall clock) by which the Mount must answer. */
  readonly deadlineMs: number;
  readonly cancelled: AbortSignal;
  /** What the task does, for messages: "rendering", "parsing the SecretProviderClass". */
  readonly activity: string;
  /** Names what the task works on (`object "x"`), given the step it last reported (-1: none). */
  readonly subject: (progress: number) => string;
  readonly logger: Logger;
}

export async function runInSandbox<R>(task: unknown, call: SandboxCall): Promise<R> {
  const whole = call.subject(-1);
  const deadline = deadlineSignal(call.deadlineMs - Date.now(), call.cancelled, {
    expired: () =>
      new DeadlineExceededError(
        `${whole}: ${call.activity} did not finish within this Mount's budget (the caller's deadline)`,
      ),
    cancelled: () => new DeadlineExceededError(`${whole}: the driver cancelled the Mount`),
  });
  let outcome: SandboxOutcome<R>;
  try {
    outcome = await call.pool.run<R>(task, {
      tenant: call.tenant,
      timeLimitMs: call.timeLimitMs,
      signal: deadline.signal,
    });
  } finally {
    deadline.dispose();
  }
  if (outcome.kind === 'ok') return outcome.result;
  throw sandboxFailure(outcome, call);
}

function sandboxFailure(outcome: Exclude<SandboxOutcome<unknown>, { kind: 'ok' }>, call: SandboxCall): ProviderError {
  const advice = 'simplify the template or expression, or select less data';
  switch (outcome.kind) {
    case 'failed': {
      const { failure } = outcome;
      const known = failure.code === undefined ? undefined : providerErrorFromCode(failure.code, failure.message ?? '');
      if (known !== undefined) return known;
      call.logger.error(
        { errorType: failure.type, frames: failure.frames },
        `unexpected error while ${call.activity} in the sandbox`,
      );
      return new InternalError(
        `${call.subject(-1)}: ${call.activity} failed unexpectedly; see the provider logs on this node`,
      );
    }
    case 'time-limit':
      return new ResourceLimitError(
        `${call.subject(outcome.progress)}: ${call.activity} took longer than the limit of ${call.timeLimitMs / 1000}s of CPU time per Mount (-sandbox-time-limit); ${advice}`,
      );
    case 'memory-limit':
      return new ResourceLimitError(
        `${call.subject(outcome.progress)}: ${call.activity} needed more than the memory limit of ${call.memoryLimitMb} MiB per Mount (-sandbox-memory-limit); ${advice}`,
      );
    case 'crashed':
      call.logger.error({ subject: call.subject(-1) }, `a sandbox worker ended while ${call.activity}`);
      return new InternalError(
        `${call.subject(-1)}: ${call.activity} failed unexpectedly; see the provider logs on this node`,
      );
  }
}
