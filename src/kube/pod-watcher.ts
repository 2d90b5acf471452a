/**
 * Knows which pods live on this node, so leases of deleted pods can be revoked (per process).
 * List-then-watch like client-go's reflector, reduced to what we need (pod uids): list the node's
 * pods, watch from the list's resourceVersion with bookmarks, and report `onPodGone(uid)` for
 * every DELETED event and, at every list, for every pod we knew or that owns cached state
 * (`ownedPods`) which the list does not show: a pod created and deleted while we were not
 * watching was never seen, but its leases are still ours to revoke. Needs only `list` and
 * `watch` on pods.
 *
 * Failure handling: a watch that ends cleanly (its `timeoutSeconds`) is renewed at once; network
 * errors and early ends back off with jitter; 410 Gone/Expired (as an HTTP status or an ERROR
 * event: the history was compacted, e.g. after an API server restart) means re-list at once,
 * however many failures came before it: the server answers, and every second spent backing off
 * is a second of missed deletions. Only a 410 right after a fresh list backs off.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import type { Logger } from '../observability/logger.js';
import type { KubeClient } from './in-cluster.js';
import { KubeApiError, isKubeApiError, parseKubeResponse, statusError } from './kube-api-error.js';
import { loggableError, safeReason } from '../observability/safe-error.js';

export const POD_WATCHER_DEFAULTS = {
  initialBackoffMs: 500,
  maxBackoffMs: 30_000,
  /** A watch that ended sooner than this without delivering anything counts as a failure (no hot loop). */
  minHealthyWatchMs: 1_000,
} as const;

export interface PodWatcherOptions {
  readonly nodeName: string;
  readonly logger: Logger;
  /** Called once per pod uid seen gone. Exceptions are logged; a returned promise is not awaited. */
  readonly onPodGone: (uid: string) => void;
  /** Called for every pod an event shows on the node (ADDED, MODIFIED): it is not gone. */
  readonly onPodPresent?: (uid: string) => void;
  /** Pods that own state on this node (cached leases); each list reports those it lacks as gone. */
  readonly ownedPods?: () => Iterable<string>;
  /** Server-side lifetime of one watch. Default: random 300–600 s, so a DaemonSet's watches renew apart. */
  readonly watchTimeoutSeconds?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Random source for jitter, for tests. */
  readonly random?: () => number;
}

const PodSchema = z.looseObject({
  metadata: z.looseObject({ uid: z.string().min(1), resourceVersion: z.string().min(1).optional() }),
});
const PodListSchema = z.looseObject({
  metadata: z.looseObject({ resourceVersion: z.string().min(1) }),
  items: z.array(PodSchema).nullable(),
});
const BookmarkSchema = z.looseObject({ metadata: z.looseObject({ resourceVersion: z.string().min(1) }) });
const WatchEventSchema = z.looseObject({
  type: z.enum(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']),
  object: z.unknown(),
});
const ErrorObjectSchema = z.looseObject({ code: z.number().int().optional() });

const PODS_PATH = '/api/v1/pods';

export class PodWatcher {
  private readonly fieldSelector: string;
  private readonly abort = new AbortController();
  private live = new Set<string>();
  private rv: string | undefined;
  private synced = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private readonly syncWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(
    private readonly client: KubeClient,
    private readonly options: PodWatcherOptions,
  ) {
    if (options.nodeName === '') {
      throw new KubeApiError('ERR_KUBE_INVALID_ARGUMENT', 'PodWatcher: option nodeName must not be empty');
    }
    const timeout = options.watchTimeoutSeconds;
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout <= 0)) {
      throw new KubeApiError(
        'ERR_KUBE_INVALID_ARGUMENT',
        'PodWatcher: option watchTimeoutSeconds must be a positive integer',
      );
    }
    this.fieldSelector = `spec.nodeName=${options.nodeName}`;
  }

  start(): void {
    if (this.loop !== undefined || this.stopping) return;
    this.loop = this.run();
  }

  /** True once the first list succeeded; before that no pod is known live. */
  hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Whether the pod was on this node at the last list or event. Only meaningful after
   * `hasSynced()`; and `false` may also mean "created but not seen yet" (events lag a Mount by
   * milliseconds to seconds), so revoke on `onPodGone`, or sweep only leases older than a grace.
   */
  isKnownLive(uid: string): boolean {
    return this.live.has(uid);
  }

  /** The resourceVersion the next watch starts from (undefined before the first list and after a 410). */
  get resourceVersion(): string | undefined {
    return this.rv;
  }

  /** Resolves at the first successful list (after `start()`); rejects if the watcher is stopped before. */
  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.stopping) return Promise.reject(stoppedError());
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  /** Ends the watch and any pending backoff; resolves when nothing is left running. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.loop;
    for (const waiter of this.syncWaiters.splice(0)) waiter.reject(stoppedError());
  }

  private async run(): Promise<void> {
    let failures = 0;
    let goneInARow = 0;
    // A method call, so the check is not narrowed away: stop() flips the flag while we await.
    while (!this.isStopping()) {
      try {
        if (this.rv === undefined) await this.relist();
        if (await this.watchOnce()) {
          failures = 0;
          goneInARow = 0;
          continue;
        }
        failures++;
        this.options.logger.debug({ nodeName: this.options.nodeName }, 'pod watch ended early; backing off');
      } catch (error) {
        if (this.isStopping()) break;
        if (isKubeApiError(error, 'ERR_KUBE_GONE')) {
          // The history we would resume from is compacted: only a fresh list is consistent.
          this.rv = undefined;
          this.options.logger.info(
            { nodeName: this.options.nodeName },
            'pod watch resourceVersion expired; re-listing',
          );
          if (goneInARow++ === 0) continue;
          failures++;
        } else {
          failures++;
          const code = isKubeApiError(error) ? error.code : 'ERR_UNEXPECTED';
          this.options.logger.warn(
            { nodeName: this.options.nodeName, code, error: safeReason(error), failures },
            'pod watch failed; retrying',
          );
        }
      }
      await this.backoff(failures);
    }
  }

  private isStopping(): boolean {
    return this.stopping;
  }

  private async relist(): Promise<void> {
    // The first list may come from the API server's watch cache (resourceVersion=0, cheap for a
    // DaemonSet of many nodes); a re-list after 410 must be a consistent read (no resourceVersion).
    const query = { fieldSelector: this.fieldSelector, ...(this.synced ? {} : { resourceVersion: '0' }) };
    const { body } = await this.client.request('GET', PODS_PATH, { query, signal: this.abort.signal });
    const list = parseKubeResponse(PodListSchema, body, 'list pods');
    const next = new Set((list.items ?? []).map((pod) => pod.metadata.uid));
    const known = new Set([...this.live, ...(this.options.ownedPods?.() ?? [])]);
    const gone = [...known].filter((uid) => !next.has(uid));
    this.live = next;
    this.rv = list.metadata.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const waiter of this.syncWaiters.splice(0)) waiter.resolve();
    }
    this.options.logger.debug({ nodeName: this.options.nodeName, pods: next.size, gone: gone.length }, 'listed pods');
    for (const uid of gone) this.emitGone(uid);
  }

  /** One watch stream; true when it was healthy (delivered events or lasted), false when it ended early. */
  private async watchOnce(): Promise<boolean> {
    const startedAt = Date.now();
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300 + Math.floor(this.random() * 300);
    const lines = await this.client.streamLines(PODS_PATH, {
      query: {
        watch: 'true',
        fieldSelector: this.fieldSelector,
        resourceVersion: this.rv,
        allowWatchBookmarks: 'true',
        timeoutSeconds,
      },
      signal: this.abort.signal,
      // The server ends the stream at timeoutSeconds; silence well past that is a dead connection.
      idleTimeoutMs: (timeoutSeconds + 30) * 1000,
    });
    let events = 0;
    for await (const line of lines) {
      this.handle(line);
      events++;
    }
    return events > 0 || Date.now() - startedAt >= POD_WATCHER_DEFAULTS.minHealthyWatchMs;
  }

  private handle(line: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      throw new KubeApiError('ERR_KUBE_BAD_RESPONSE', 'watch pods: an event is not JSON', { cause: error });
    }
    const event = parseKubeResponse(WatchEventSchema, raw, 'watch pods');
    switch (event.type) {
      case 'ERROR': {
        const code = ErrorObjectSchema.safeParse(event.object).data?.code ?? 500;
        throw statusError('watch pods (ERROR event)', code, event.object);
      }
      case 'BOOKMARK':
        this.rv = parseKubeResponse(BookmarkSchema, event.object, 'watch pods (BOOKMARK)').metadata.resourceVersion;
        return;
      default: {
        const pod = parseKubeResponse(PodSchema, event.object, `watch pods (${event.type})`);
        if (pod.metadata.resourceVersion !== undefined) this.rv = pod.metadata.resourceVersion;
        if (event.type === 'DELETED') {
          this.live.delete(pod.metadata.uid);
          this.emitGone(pod.metadata.uid);
        } else {
          this.live.add(pod.metadata.uid);
          this.emitPresent(pod.metadata.uid);
        }
      }
    }
  }

  private emitGone(uid: string): void {
    try {
      this.options.onPodGone(uid);
    } catch (error) {
      this.options.logger.error({ uid, ...loggableError(error) }, 'onPodGone handler threw');
    }
  }

  private emitPresent(uid: string): void {
    try {
      this.options.onPodPresent?.(uid);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.options.logger.error({ uid, error: message }, 'onPodPresent handler threw');
    }
  }

  private async backoff(failures: number): Promise<void> {
    const initial = this.options.initialBackoffMs ?? POD_WATCHER_DEFAULTS.initialBackoffMs;
    const max = this.options.maxBackoffMs ?? POD_WATCHER_DEFAULTS.maxBackoffMs;
    const ceiling = Math.min(max, initial * 2 ** Math.min(failures - 1, 20));
    // Equal jitter: at least half the ceiling, so nodes spread out but never retry at once.
    const delayMs = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    try {
      await sleep(delayMs, undefined, { signal: this.abort.signal });
    } catch {
      // Aborted by stop(): the loop condition ends the watcher.
    }
  }

  private random(): number {
    return (this.options.random ?? Math.random)();
  }
}

function stoppedError(): KubeApiError {
  return new KubeApiError('ERR_KUBE_ABORTED', 'PodWatcher stopped before the first pod list');
}
