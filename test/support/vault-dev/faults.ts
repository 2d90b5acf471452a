/**
 * Fault injection for tests and benchmarks. One fault is active at a time (setFault replaces
 * it); `count` limits how many matching requests it affects, after which it clears itself.
 * Bodies and headers match what a real Vault (or a proxy in front of it) sends for that failure.
 */
import { STATUS_CODES } from 'node:http';
import { errorBody } from './envelope.js';
import { formatMultierror } from './errors.js';
import type { Reply } from './router.js';

interface Scoped {
  /** Only requests whose URL path starts with this (e.g. '/v1/secret/') are affected. */
  pathPrefix?: string;
}

export type Fault =
  | ({ kind: 'latency'; ms: number } & Scoped)
  | ({ kind: 'status'; status: number; count?: number; retryAfterSeconds?: number } & Scoped)
  | ({ kind: 'sealed' } & Scoped)
  | ({ kind: 'drop'; count?: number } & Scoped)
  | ({ kind: 'malformed'; count?: number } & Scoped)
  /** Sends the status line, headers and part of the body, then resets the connection. */
  | ({ kind: 'reset-mid-response'; count?: number } & Scoped)
  | ({ kind: 'hang' } & Scoped);

export type FaultAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'reply'; readonly reply: Reply }
  | { readonly kind: 'drop' }
  | { readonly kind: 'truncate' }
  | { readonly kind: 'hang'; readonly released: Promise<void> };

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };

function statusBody(status: number, vaultPath: string): string[] {
  switch (status) {
    case 429:
      return [`request path ${JSON.stringify(vaultPath)}: rate limit quota exceeded`];
    case 500:
      return ['internal error'];
    case 503:
      return ['Vault is sealed'];
    case 502:
      return [formatMultierror(['upstream rate limited'])];
    case 403:
      return [formatMultierror(['permission denied'])];
    case 404:
      return [];
    case 412:
      return ['required index state not present'];
    default:
      return [(STATUS_CODES[status] ?? 'error').toLowerCase()];
  }
}

export class FaultInjector {
  private fault: Fault | null = null;
  private remaining: number | undefined;
  private releaseHung: (() => void)[] = [];

  constructor(private readonly onSealedChange: (sealed: boolean) => void) {}

  set(fault: Fault | null): void {
    this.fault = fault;
    this.remaining = fault !== null && 'count' in fault ? fault.count : undefined;
    this.onSealedChange(fault?.kind === 'sealed');
    this.release();
  }

  /** Let every hung request proceed (fault cleared or server stopping). */
  release(): void {
    const waiting = this.releaseHung;
    this.releaseHung = [];
    for (const resolve of waiting) resolve();
  }

  decide(urlPath: string): FaultAction {
    const fault = this.fault;
    if (fault === null) return { kind: 'none' };
    if (fault.pathPrefix !== undefined && !urlPath.startsWith(fault.pathPrefix)) return { kind: 'none' };
    if (fault.kind === 'latency') return { kind: 'delay', ms: fault.ms };
    if (fault.kind === 'hang') {
      return { kind: 'hang', released: new Promise((resolve) => this.releaseHung.push(resolve)) };
    }
    if (fault.kind === 'sealed') {
      // sys/health and seal-status keep answering (with sealed:true) on a sealed Vault.
      if (urlPath === '/v1/sys/health' || urlPath === '/v1/sys/seal-status') return { kind: 'none' };
      return { kind: 'reply', reply: { status: 503, headers: JSON_HEADERS, body: errorBody(['Vault is sealed']) } };
    }
    if (this.remaining !== undefined) {
      this.remaining -= 1;
      if (this.remaining <= 0) this.fault = null;
    }
    if (fault.kind === 'drop') return { kind: 'drop' };
    if (fault.kind === 'reset-mid-response') return { kind: 'truncate' };
    if (fault.kind === 'malformed') {
      return { kind: 'reply', reply: { status: 200, headers: JSON_HEADERS, body: '{"request_id":"0b6f2c1e-trunc' } };
    }
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (fault.status === 429) {
      headers['Retry-After'] = String(fault.retryAfterSeconds ?? 1);
      headers['X-Ratelimit-Limit'] = '1';
      headers['X-Ratelimit-Remaining'] = '0';
      headers['X-Ratelimit-Reset'] = String(fault.retryAfterSeconds ?? 1);
    } else if (fault.retryAfterSeconds !== undefined) {
      headers['Retry-After'] = String(fault.retryAfterSeconds);
    }
    return {
      kind: 'reply',
      reply: {
        status: fault.status,
        headers,
        body: errorBody(statusBody(fault.status, urlPath.replace(/^\/v1\//, ''))),
      },
    };
  }
}
