/**
 * Every Prometheus metric the provider exports, declared in one place (per process). Labels are
 * low-cardinality by design: never a pod name, a path or a secret-derived value.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'vault_csi_provider_';

export interface ProviderMetrics {
  readonly registry: Registry;
  /** Mount calls by result: `ok` or the gRPC status name of the failure. */
  readonly mountRequests: Counter<'result'>;
  readonly mountDuration: Histogram<'result'>;
  /** Objects served, by where their bytes came from (`vault` or `cache`). */
  readonly objectsServed: Counter<'source'>;
  /** HTTP requests to Vault by operation (`login`, `read`, `renew`, `revoke`) and status (`200`, `403`, `error`). */
  readonly vaultRequests: Counter<'operation' | 'status'>;
  readonly vaultRequestDuration: Histogram<'operation'>;
  /** Logins by result (`ok`, `denied`, `error`). */
  readonly vaultLogins: Counter<'result'>;
  /** Token cache lookups by result (`hit`, `miss`). */
  readonly tokenCacheLookups: Counter<'result'>;
  readonly tokenCacheEntries: Gauge;
  /** Mount calls currently being served. */
  readonly mountsInFlight: Gauge;
  /** Dynamic credentials held by the lease cache, by kind (`lease`, `certificate`). */
  readonly leasesHeld: Gauge<'kind'>;
  /** Lease renewals by result (`ok`, `refused`, `error`). */
  readonly leaseRenewals: Counter<'result'>;
  /** Credentials re-issued before expiry, by reason. */
  readonly leaseReissues: Counter<'reason'>;
  /** Lease revocations of gone pods, by result (`ok`, `denied`, `error`). */
  readonly leaseRevocations: Counter<'result'>;
  /** Failed background attempts, by operation (`renew`, `renew-self`, `reissue`). */
  readonly leaseRenewalFailures: Counter<'operation'>;
  /** Seconds until the soonest cached credential expires (0 when none). */
  readonly leaseSecondsToExpiry: Gauge;
  /** Pod Vault tokens kept alive with renew-self because cached leases depend on them. */
  readonly tokenRenewals: Counter;
  /** Retried Vault requests, by operation and reason (`rate_limited`, `server_error`, `connection`). */
  readonly vaultRetries: Counter<'operation' | 'reason'>;
  /** Time a Vault request waited for a per-address slot and rate-limit token, by priority. */
  readonly vaultQueueWait: Histogram<'priority'>;
  /** Vault addresses whose circuit breaker is open or half-open. */
  readonly vaultCircuitsOpen: Gauge;
  /** Times a circuit breaker opened. */
  readonly vaultCircuitOpenings: Counter;
  /** Reads served by joining an identical in-flight read of the same identity. */
  readonly vaultReadsCoalesced: Counter;
  /** How late the main event loop ran a timer (sampled every 25 ms). */
  readonly eventLoopDelay: Histogram;
  /** Sandboxed render tasks by outcome (`ok`, `failed`, `time-limit`, `memory-limit`, `crashed`, `cancelled`). */
  readonly sandboxTasks: Counter<'outcome'>;
  /** Time a sandboxed task ran in its worker. */
  readonly sandboxTaskDuration: Histogram;
  /** Build information; the value is always 1. */
  readonly buildInfo: Gauge<'version' | 'node_version'>;
}

export function createMetrics(options: { collectDefaults?: boolean } = {}): ProviderMetrics {
  const registry = new Registry();
  if (options.collectDefaults ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];
  const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
  return {
    registry,
    mountRequests: new Counter({
      name: `${METRIC_PREFIX}mount_requests_total`,
      help: 'Mount calls served, by result (ok or the gRPC status of the failure).',
      labelNames: ['result'],
      registers,
    }),
    mountDuration: new Histogram({
      name: `${METRIC_PREFIX}mount_duration_seconds`,
      help: 'Time to serve one Mount call, by result.',
      labelNames: ['result'],
      buckets: seconds,
      registers,
    }),
    objectsServed: new Counter({
      name: `${METRIC_PREFIX}objects_served_total`,
      help: 'Objects returned to the driver, by the source of their bytes (vault or cache).',
      labelNames: ['source'],
      registers,
    }),
    vaultRequests: new Counter({
      name: `${METRIC_PREFIX}vault_requests_total`,
      help: 'HTTP requests sent to Vault, by operation and HTTP status (or error).',
      labelNames: ['operation', 'status'],
      registers,
    }),
    vaultRequestDuration: new Histogram({
      name: `${METRIC_PREFIX}vault_request_duration_seconds`,
      help: 'Latency of HTTP requests to Vault, by operation.',
      labelNames: ['operation'],
      buckets: seconds,
      registers,
    }),
    vaultLogins: new Counter({
      name: `${METRIC_PREFIX}vault_logins_total`,
      help: 'Vault logins with a pod identity, by result (ok, denied, error).',
      labelNames: ['result'],
      registers,
    }),
    tokenCacheLookups: new Counter({
      name: `${METRIC_PREFIX}token_cache_lookups_total`,
      help: 'Vault token cache lookups, by result (hit or miss).',
      labelNames: ['result'],
      registers,
    }),
    tokenCacheEntries: new Gauge({
      name: `${METRIC_PREFIX}token_cache_entries`,
      help: 'Vault tokens currently cached (about one per pod and connection).',
      registers,
    }),
    mountsInFlight: new Gauge({
      name: `${METRIC_PREFIX}mounts_in_flight`,
      help: 'Mount calls currently being served.',
      registers,
    }),
    leasesHeld: new Gauge({
      name: `${METRIC_PREFIX}leases_held`,
      help: 'Dynamic credentials held by the lease cache, by kind (lease or certificate).',
      labelNames: ['kind'],
      registers,
    }),
    leaseRenewals: new Counter({
      name: `${METRIC_PREFIX}lease_renewals_total`,
      help: 'Lease renewals (sys/leases/renew), by result (ok, refused, error).',
      labelNames: ['result'],
      registers,
    }),
    leaseReissues: new Counter({
      name: `${METRIC_PREFIX}lease_reissues_total`,
      help: 'Credentials re-issued before expiry, by reason (not_renewable, max_ttl, renewal_refused, certificate, token_expiring).',
      labelNames: ['reason'],
      registers,
    }),
    leaseRevocations: new Counter({
      name: `${METRIC_PREFIX}lease_revocations_total`,
      help: 'Leases of gone pods revoked (sys/leases/revoke), by result (ok, denied, error).',
      labelNames: ['result'],
      registers,
    }),
    leaseRenewalFailures: new Counter({
      name: `${METRIC_PREFIX}lease_renewal_failures_total`,
      help: 'Failed background renewals and re-issues, by operation (renew, renew-self, reissue); retried with backoff.',
      labelNames: ['operation'],
      registers,
    }),
    leaseSecondsToExpiry: new Gauge({
      name: `${METRIC_PREFIX}lease_seconds_to_expiry`,
      help: 'Seconds until the soonest cached credential expires (0 when none is cached).',
      registers,
    }),
    tokenRenewals: new Counter({
      name: `${METRIC_PREFIX}token_renewals_total`,
      help: 'Pod Vault tokens renewed (renew-self) because cached leases depend on them.',
      registers,
    }),
    vaultRetries: new Counter({
      name: `${METRIC_PREFIX}vault_retries_total`,
      help: 'Vault requests retried, by operation and reason (rate_limited, server_error, connection).',
      labelNames: ['operation', 'reason'],
      registers,
    }),
    vaultQueueWait: new Histogram({
      name: `${METRIC_PREFIX}vault_queue_wait_seconds`,
      help: 'Time a Vault request waited for a per-address slot and rate-limit token, by priority (first-mount, republish, background).',
      labelNames: ['priority'],
      buckets: [0.001, ...seconds],
      registers,
    }),
    vaultCircuitsOpen: new Gauge({
      name: `${METRIC_PREFIX}vault_circuits_open`,
      help: 'Vault addresses whose circuit breaker is open or half-open (failing fast).',
      registers,
    }),
    vaultCircuitOpenings: new Counter({
      name: `${METRIC_PREFIX}vault_circuit_openings_total`,
      help: 'Times a per-address circuit breaker opened after consecutive failures.',
      registers,
    }),
    vaultReadsCoalesced: new Counter({
      name: `${METRIC_PREFIX}vault_reads_coalesced_total`,
      help: 'Reads served by joining an identical in-flight read of the same identity.',
      registers,
    }),
    eventLoopDelay: new Histogram({
      name: `${METRIC_PREFIX}event_loop_delay_seconds`,
      help: 'How late the main event loop ran a 25 ms timer: time every pod, probe and socket call waited.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    sandboxTasks: new Counter({
      name: `${METRIC_PREFIX}sandbox_tasks_total`,
      help: 'Sandboxed render tasks (templates, jmesPath, formats) by outcome: ok, failed, time-limit, memory-limit, crashed, cancelled.',
      labelNames: ['outcome'],
      registers,
    }),
    sandboxTaskDuration: new Histogram({
      name: `${METRIC_PREFIX}sandbox_task_duration_seconds`,
      help: 'Time a sandboxed render task ran in its worker thread.',
      buckets: [0.0005, 0.001, 0.0025, ...seconds],
      registers,
    }),
    buildInfo: new Gauge({
      name: `${METRIC_PREFIX}build_info`,
      help: 'Provider build information; always 1.',
      labelNames: ['version', 'node_version'],
      registers,
    }),
  };
}
