/**
 * Builds the per-process resilience layer of the HTTP client from its settings: one scheduler
 * (in-flight bound, rate limit, priorities), one circuit breaker and one retry policy, shared by
 * every Vault address (each address gets its own lane and circuit inside them). The settings
 * come from flags (`config/resilience-flags.ts`); their defaults live here.
 */
import type { ProviderMetrics } from '../observability/metrics.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { RequestScheduler } from './request-scheduler.js';
import { RetryPolicy } from './retry-policy.js';

export interface ResilienceSettings {
  /** Requests in flight per Vault address; 0: unbounded. */
  readonly maxInFlight: number;
  /** Requests per second per Vault address; 0: no rate limit. */
  readonly rateLimit: number;
  readonly rateBurst: number;
  /** Retries after the first attempt (429, 5xx, connection errors). */
  readonly maxRetries: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** Consecutive server failures that make the breaker probe, and open if the probe fails; 0 disables it. */
  readonly circuitFailures: number;
  readonly circuitOpenMs: number;
}

export const RESILIENCE_DEFAULTS: ResilienceSettings = {
  maxInFlight: 32,
  rateLimit: 0,
  rateBurst: 20,
  maxRetries: 2,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 2_000,
  circuitFailures: 5,
  // Short: a probe of sys/health costs Vault next to nothing, and a recovered Vault should serve
  // the next Mount within a second, as a provider without a breaker would.
  circuitOpenMs: 500,
};

export interface Resilience {
  readonly scheduler: RequestScheduler;
  readonly breaker: CircuitBreaker;
  readonly retry: RetryPolicy;
}

export function createResilience(settings: ResilienceSettings, metrics?: ProviderMetrics): Resilience {
  return {
    scheduler: new RequestScheduler({
      maxInFlight: settings.maxInFlight,
      ratePerSecond: settings.rateLimit,
      burst: settings.rateBurst,
      ...(metrics === undefined ? {} : { metrics }),
    }),
    breaker: new CircuitBreaker({
      failureThreshold: settings.circuitFailures,
      openMs: settings.circuitOpenMs,
      ...(metrics === undefined ? {} : { metrics }),
    }),
    retry: new RetryPolicy({
      maxRetries: settings.maxRetries,
      baseDelayMs: settings.retryBaseDelayMs,
      maxDelayMs: settings.retryMaxDelayMs,
    }),
  };
}
