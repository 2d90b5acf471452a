/**
 * A circuit breaker per Vault address. After `failureThreshold` consecutive failures (connection
 * errors, timeouts, 5xx) the address is "open": requests fail fast with Unavailable and a message
 * saying when Vault will be probed again, instead of each Mount waiting out its own timeouts
 * while Vault is down. After `openMs` one probe of `sys/health` decides: healthy closes the
 * circuit, anything else keeps it open for another period. Concurrent callers share that probe.
 */
import { LRUCache } from 'lru-cache';
import { VaultUnavailableError } from '../errors.js';
import type { ProviderMetrics } from '../observability/metrics.js';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit; 0 disables the breaker. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before a probe. */
  readonly openMs: number;
  readonly maxAddresses?: number;
  readonly now?: () => number;
  readonly metrics?: ProviderMetrics;
}

/** Whether Vault at the address is healthy enough to serve again (sys/health). */
export type HealthProbe = (signal: AbortSignal) => Promise<boolean>;

type State = 'closed' | 'open' | 'half-open';

interface Circuit {
  state: State;
  consecutiveFailures: number;
  openUntilMs: number;
  lastFailure: string;
  /** The last probe found Vault unhealthy (the last request failure is still the better clue). */
  probeFailed: boolean;
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
   * Resolves when a request to `address` may go ahead; throws Unavailable while the circuit is
   * open. `where` is the address as shown in messages; `probe` runs once per open period.
   */
  async admit(address: string, where: string, subject: string, probe: HealthProbe, signal: AbortSignal): Promise<void> {
    if (!this.enabled) return;
    const circuit = this.circuits.get(address);
    if (circuit === undefined || circuit.state === 'closed') return;
    if (circuit.state === 'open' && this.now() < circuit.openUntilMs) throw this.openError(circuit, where, subject);
    if (circuit.probe === undefined) {
      circuit.state = 'half-open';
      this.report();
      circuit.probe = probe(signal)
        .catch(() => false)
        .then((healthy) => {
          circuit.probe = undefined;
          if (healthy) this.close(circuit);
          else this.open(circuit, circuit.lastFailure, true);
          return healthy;
        });
    }
    if (!(await circuit.probe)) throw this.openError(circuit, where, subject);
  }

  /** Vault answered in a way that shows it is up (any status but 5xx). */
  recordSuccess(address: string): void {
    if (!this.enabled) return;
    const circuit = this.circuits.get(address);
    if (circuit === undefined) return;
    if (circuit.state !== 'closed' || circuit.consecutiveFailures > 0) this.close(circuit);
  }

  /** A connection error, timeout or 5xx. `reason` is safe for messages (no secrets). */
  recordFailure(address: string, reason: string): void {
    if (!this.enabled) return;
    let circuit = this.circuits.get(address);
    if (circuit === undefined) {
      circuit = { state: 'closed', consecutiveFailures: 0, openUntilMs: 0, lastFailure: '', probeFailed: false };
      this.circuits.set(address, circuit);
    }
    circuit.consecutiveFailures += 1;
    circuit.lastFailure = reason;
    if (circuit.state === 'closed' && circuit.consecutiveFailures >= this.options.failureThreshold) {
      this.open(circuit, reason);
    }
  }

  stateOf(address: string): State {
    return this.circuits.get(address)?.state ?? 'closed';
  }

  private open(circuit: Circuit, reason: string, probeFailed = false): void {
    circuit.state = 'open';
    circuit.probeFailed = probeFailed;
    circuit.openUntilMs = this.now() + this.options.openMs;
    circuit.lastFailure = reason;
    this.options.metrics?.vaultCircuitOpenings.inc();
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
    const waitSeconds = Math.max(0, Math.ceil((circuit.openUntilMs - this.now()) / 1000));
    const when = new Date(this.wallClock(circuit.openUntilMs)).toISOString();
    return new VaultUnavailableError(
      `${subject}: Vault at ${where} is failing (${circuit.consecutiveFailures} consecutive failures, last: ${circuit.lastFailure}${circuit.probeFailed ? '; the sys/health probe failed too' : ''}); not contacting it until ${when} (in ${waitSeconds}s), when sys/health is probed again`,
    );
  }

  private wallClock(ms: number): number {
    return ms - this.now() + Date.now();
  }
}
