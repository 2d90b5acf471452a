// Kubelet's periodic NodePublishVolume for a requiresRepublish driver, with v1.6.0's rotation
// gate: the provider is called only when the target's mtime (which moves only when the atomic
// writer changed something) is at least rotationPollIntervalMs old. Errors are masked as the
// driver masks them on republish: reported to onError, files untouched, the timer keeps going.
import { stat } from 'node:fs/promises';
import type { MountOutcome } from './driver-emulator.js';

export interface RepublishOptions {
  /** --rotation-poll-interval; 0 (the default here) calls the provider on every republish. */
  rotationPollIntervalMs?: number;
  /** Per-call deadline; kubelet's 2 minutes by default. */
  deadlineMs?: number;
  onOutcome?: (outcome: MountOutcome) => void;
  onError?: (error: unknown) => void;
}

export interface Republisher {
  /** Republish ticks so far, including skipped ones. */
  readonly ticks: number;
  /** Provider calls so far. */
  readonly calls: number;
  /** Stops the timer and waits for a call in flight. */
  stop(): Promise<void>;
}

type MountOnce = (options: { deadlineMs?: number }) => Promise<MountOutcome>;

export function startRepublishing(
  mountOnce: MountOnce,
  intervalMs: number,
  targetPath: string,
  options: RepublishOptions,
): Republisher {
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new Error('republishEvery: intervalMs must be > 0');
  const pollMs = options.rotationPollIntervalMs ?? 0;
  let ticks = 0;
  let calls = 0;
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const tick = async (): Promise<void> => {
    ticks += 1;
    if (pollMs > 0) {
      const { mtimeMs } = await stat(targetPath);
      if (Date.now() < mtimeMs + pollMs) return;
    }
    calls += 1;
    const outcome = await mountOnce(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs });
    options.onOutcome?.(outcome);
  };

  // A chained timeout rather than setInterval: kubelet never overlaps publishes of one volume.
  const schedule = (): void => {
    timer = setTimeout(() => {
      inFlight = tick()
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => {
          if (!stopped) schedule();
        });
    }, intervalMs);
  };
  schedule();

  return {
    get ticks() {
      return ticks;
    },
    get calls() {
      return calls;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
