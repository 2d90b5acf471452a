/**
 * The signal one stage of a call waits under: aborted when the call's time runs out or its
 * caller cancels, each time with a reason the stage supplies (its own error, naming what it was
 * waiting for), so every stage ends with the same kind of error whatever it waited on: a queue,
 * an HTTP request, another server. Lives for the stage: `dispose()` when it ends.
 */
export interface DeadlineSignal {
  readonly signal: AbortSignal;
  /** Ends the stage early with `reason` (one part failed, so the rest are of no use). */
  abort(reason: Error): void;
  /** Stops the timer and the cancellation listener. */
  dispose(): void;
}

export interface DeadlineReasons {
  /** The time ran out. */
  readonly expired: () => Error;
  /** The caller gave up (also when it had already given up before the stage began). */
  readonly cancelled: () => Error;
}

export function deadlineSignal(remainingMs: number, cancelled: AbortSignal, reasons: DeadlineReasons): DeadlineSignal {
  const controller = new AbortController();
  const abort = (reason: Error) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const timer = setTimeout(() => abort(reasons.expired()), Math.max(remainingMs, 0));
  const onCancel = () => abort(reasons.cancelled());
  if (cancelled.aborted) onCancel();
  else cancelled.addEventListener('abort', onCancel, { once: true });
  return {
    signal: controller.signal,
    abort,
    dispose() {
      clearTimeout(timer);
      cancelled.removeEventListener('abort', onCancel);
    },
  };
}
