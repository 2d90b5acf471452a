/**
 * A circuit breaker per Vault address and TLS settings. It measures the server, never the
 * caller: failures that a pod can choose (any 4xx, a 500 from a path its SPC names, the status
 * parameters of `sys/health`) are not counted by the caller (see `isServerFailure`), and even
 * the counted ones only make the breaker ASK the server: after `failureThreshold` consecutive
 * failures it probes `sys/health` (a request no caller shapes), and opens only when the probe
 * fails too. While open, requests fail fast with Unavailable; once `openMs` has passed since the
 * last probe, the next request probes again at once (half-open), and a healthy answer closes the
 * circuit for that very request. Concurrent callers share one probe. Lives per process.
 */
import { LRUCache } from 'lru-cache';
import { VaultUnavailableError } from '../errors.js';
import type { ProviderMetrics } from '../observability/metrics.js';

export interface CircuitBreakerOptions {
  /** Consecutive server failures that make the breaker probe (and open if the probe fails); 0 disables it. */
  readonly failureThreshold: number;
  /** How long an open circuit fails fast before the next request may probe again. */
  readonly openMs: number;
  readonly maxAddresses?: number;
  readonly now?: () => number;
  readonly metrics?: ProviderMetrics;
}

/** Whether Vault at the address is healthy enough to serve (sys/health); rejects count as unhealthy. */
export type HealthProbe = (signal: AbortSignal) => Promise<boolean>;

type State = 'closed' | 'open' | 'half-open';

interface Circuit {
  state: State;
  consecutiveFailures: number;
  /** While open: the time before which requests fail without probing. */
  openUntilMs: number;
  lastFailure: string;
  /** The probe in flight, shared by every caller that waits for it. */
  probe?: Promise<boolean> | undefined;
}

export class CircuitBreaker {
  private readonly circuits: LRUCache<string, Circuit>;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
    this.circuits = new LRUCache<string, Circuit>({ max: options.maxAddresses ?? 256 });
  }

  get enabled(): boolean {
    return this.options.failureThreshold > 0;
  }

  /**
   * Resolves when a request to `key` may go ahead; throws Unavailable while the circuit is open.
   * `where` is the address as shown in messages. A request arriving after the open interval
   * probes at once and, if Vault is healthy again, goes ahead.
   */
  async admit(key: string, where: string, subject: string, probe: HealthProbe, signal: AbortSignal): Promise<void> {
    if (!this.enabled) return;
    const circuit = this.circuits.get(key);
    if (circuit === undefined || circuit.state === 'closed') return;
    if (circuit.probe === undefined && this.now() < circuit.openUntilMs) throw this.openError(circuit, where, subject);
    const healthy = await abortable(this.probeOnce(circuit, probe), signal);
    if (!healthy) throw this.openError(circuit, where, subject);
  }

  /** Vault answered in a way that shows it serving (anything that is not a server failure). */
  recordSuccess(key: string): void {
    if (!this.enabled) return;
    const circuit = this.circuits.get(key);
    if (circuit === undefined) return;
    if (circuit.state !== 'closed' || circuit.consecutiveFailures > 0) this.close(circuit);
  }

  /**
   * A sign that the server is unwell (see `isServerFailure`). `reason` is safe for messages.
   * At the threshold the breaker asks the server itself with `probe` before opening.
   */
  recordFailure(key: string, reason: string, probe: HealthProbe): void {
    if (!this.enabled) return;
    let circuit = this.circuits.get(key);
    if (circuit === undefined) {
      circuit = { state: 'closed', consecutiveFailures: 0, openUntilMs: 0, lastFailure: '' };
      this.circuits.set(key, circuit);
    }
    circuit.consecutiveFailures += 1;
    circuit.lastFailure = reason;
    if (circuit.state === 'closed' && circuit.consecutiveFailures >= this.options.failureThreshold) {
      // Nobody awaits this probe: its outcome opens or resets the circuit for later requests.
      void this.probeOnce(circuit, probe);
    }
  }

  stateOf(key: string): State {
    return this.circuits.get(key)?.state ?? 'closed';
  }

  private probeOnce(circuit: Circuit, probe: HealthProbe): Promise<boolean> {
    if (circuit.probe !== undefined) return circuit.probe;
    if (circuit.state === 'open') {
      circuit.state = 'half-open';
      this.report();
    }
    // The probe has its own timeout (the caller's HealthProbe); no caller's cancellation stops it,
    // because its answer is shared by every caller.
    const running = probe(new AbortController().signal)
      .catch(() => false)
      .then((healthy) => {
        circuit.probe = undefined;
        if (healthy) this.close(circuit);
        else this.open(circuit);
        return healthy;
      });
    circuit.probe = running;
    return running;
  }

  private open(circuit: Circuit): void {
    if (circuit.state === 'closed') this.options.metrics?.vaultCircuitOpenings.inc();
    circuit.state = 'open';
    circuit.openUntilMs = this.now() + this.options.openMs;
    this.report();
  }

  private close(circuit: Circuit): void {
    circuit.state = 'closed';
    circuit.consecutiveFailures = 0;
    this.report();
  }

  private report(): void {
    // A count, not a per-address label: addresses come from SecretProviderClasses.
    let open = 0;
    for (const circuit of this.circuits.values()) if (circuit.state !== 'closed') open += 1;
    this.options.metrics?.vaultCircuitsOpen.set(open);
  }

  private openError(circuit: Circuit, where: string, subject: string): VaultUnavailableError {
    const waitMs = Math.max(0, circuit.openUntilMs - this.now());
    return new VaultUnavailableError(
      `${subject}: Vault at ${where} is failing (${circuit.consecutiveFailures} consecutive failures, last: ${circuit.lastFailure}; its sys/health probe failed too); the next request after ${formatWait(waitMs)} probes it again`,
    );
  }
}

/**
 * Whether an attempt's outcome says the SERVER is unwell, as opposed to what the caller asked:
 * connection refused, reset or timed out; a gateway's 502/504; 503 (sealed, standby, overloaded);
 * an answer saying Vault is sealed or uninitialised. Never a 4xx, never a plain 500: a pod picks
 * its paths, and a path can answer what it likes.
 */
export function isServerFailure(
  outcome: { kind: 'network' } | { kind: 'status'; status: number; errors: readonly string[] },
): boolean {
  if (outcome.kind === 'network') return true;
  if (outcome.status === 502 || outcome.status === 503 || outcome.status === 504) return true;
  return (
    outcome.status >= 500 &&
    outcome.errors.some((message) => /\b(sealed|not initialized|uninitiali[sz]ed)\b/i.test(message))
  );
}

function formatWait(ms: number): string {
  return ms < 1000 ? `${Math.ceil(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `work`, unless `signal` aborts first (the work goes on for the others who share it). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
