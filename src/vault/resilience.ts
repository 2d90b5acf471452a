/**
 * Builds the per-process resilience layer of the HTTP client from its settings: one scheduler
 * (in-flight bound, rate limit, priorities), one circuit breaker and one retry policy, shared by
 * every Vault address (each address gets its own lane and circuit inside them).
 */
import type { ResilienceSettings } from '../config/resilience-flags.js';
import type { ProviderMetrics } from '../observability/metrics.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { RequestScheduler } from './request-scheduler.js';
import { RetryPolicy } from './retry-policy.js';

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
