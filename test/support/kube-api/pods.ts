/**
 * Pods of the fake API server: the objects, an event history (the watch cache) that can be
 * compacted, and the live watch streams. Semantics follow the real server: list carries the
 * collection's resourceVersion; a watch from resourceVersion N replays events after N, from
 * unset/"0" starts with synthetic ADDED events; a watch from before the compacted window gets an
 * ERROR event with a 410 Expired Status; bookmarks only with allowWatchBookmarks; the stream
 * ends after timeoutSeconds (with a last bookmark, as the server sends one near the deadline).
 */
import type { ServerResponse } from 'node:http';
import { failure, type StatusObject } from './status.js';

export interface PodFixtureInput {
  namespace: string;
  name: string;
  uid: string;
  nodeName: string;
  serviceAccountName?: string;
}

export interface FakePod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; creationTimestamp: string };
  spec: { nodeName: string; serviceAccountName: string; containers: { name: string; image: string }[] };
  status: { phase: string };
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

interface HistoryEntry {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: FakePod;
  rv: number;
}

export type PodFilter = (pod: FakePod) => boolean;

interface Watcher {
  res: ServerResponse;
  filter: PodFilter;
  bookmarks: boolean;
  timer: NodeJS.Timeout;
}

export class PodStore {
  private readonly pods = new Map<string, FakePod>();
  private readonly history: HistoryEntry[] = [];
  /** Watches from a resourceVersion below this get 410: the events before it are gone. */
  private oldestRv = 0;
  private readonly watchers = new Set<Watcher>();

  constructor(private readonly clock: { now(): number; next(): number }) {}

  add(input: PodFixtureInput): FakePod {
    if (
      [...this.pods.values()].some((p) => p.metadata.namespace === input.namespace && p.metadata.name === input.name)
    ) {
      throw new Error(`addPod: pod ${input.namespace}/${input.name} already exists`);
    }
    if (this.pods.has(input.uid)) throw new Error(`addPod: uid ${input.uid} already in use`);
    const rv = this.clock.next();
    const pod: FakePod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: input.name,
        namespace: input.namespace,
        uid: input.uid,
        resourceVersion: String(rv),
        creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      spec: {
        nodeName: input.nodeName,
        serviceAccountName: input.serviceAccountName ?? 'default',
        containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }],
      },
      status: { phase: 'Running' },
    };
    this.pods.set(input.uid, pod);
    this.record('ADDED', pod, rv);
    return structuredClone(pod);
  }

  setPhase(uid: string, phase: string): void {
    const pod = this.mustGet(uid);
    const rv = this.clock.next();
    pod.status.phase = phase;
    pod.metadata.resourceVersion = String(rv);
    this.record('MODIFIED', pod, rv);
  }

  delete(uid: string): void {
    const pod = this.mustGet(uid);
    this.pods.delete(uid);
    const rv = this.clock.next();
    // The DELETED event carries the object's last state at the deletion's resourceVersion.
    pod.metadata.resourceVersion = String(rv);
    this.record('DELETED', pod, rv);
  }

  findByName(namespace: string, name: string): FakePod | undefined {
    return [...this.pods.values()].find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
  }

  list(filter: PodFilter): { resourceVersion: string; items: FakePod[] } {
    const items = [...this.pods.values()].filter(filter).map((pod) => structuredClone(pod));
    return { resourceVersion: String(this.clock.now()), items };
  }

  /** Drops the event history: a watch from any earlier resourceVersion now gets 410. */
  compact(): void {
    this.history.length = 0;
    this.oldestRv = this.clock.now();
  }

  /** Sends a BOOKMARK at the current resourceVersion to every watch that asked for bookmarks. */
  bookmark(): void {
    for (const watcher of this.watchers) if (watcher.bookmarks) this.writeBookmark(watcher);
  }

  /** Cuts every watch connection without a clean end, as a network failure would. */
  dropWatches(): void {
    for (const watcher of [...this.watchers]) {
      this.forget(watcher);
      watcher.res.socket?.destroy();
    }
  }

  get activeWatches(): number {
    return this.watchers.size;
  }

  /** Validates the resourceVersion; returns an error Status to send as HTTP status, else undefined. */
  checkWatchStart(resourceVersion: string | null): StatusObject | undefined {
    if (resourceVersion === null || resourceVersion === '' || /^\d+$/.test(resourceVersion)) return undefined;
    return failure(400, 'BadRequest', `resourceVersion: Invalid value: "${resourceVersion}": must be a number`);
  }

  /** Serves a watch on an open 200 response. */
  watch(
    res: ServerResponse,
    options: { filter: PodFilter; resourceVersion: string | null; bookmarks: boolean; timeoutSeconds: number },
  ): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const { filter, resourceVersion } = options;
    if (resourceVersion === null || resourceVersion === '' || resourceVersion === '0') {
      for (const pod of this.pods.values()) if (filter(pod)) writeEvent(res, 'ADDED', pod);
    } else {
      const from = Number(resourceVersion);
      if (from < this.oldestRv) {
        writeEvent(res, 'ERROR', failure(410, 'Expired', `too old resource version: ${from} (${this.oldestRv})`));
        res.end();
        return;
      }
      for (const entry of this.history)
        if (entry.rv > from && filter(entry.object)) writeEvent(res, entry.type, entry.object);
    }
    const watcher: Watcher = {
      res,
      filter,
      bookmarks: options.bookmarks,
      timer: setTimeout(() => {
        if (watcher.bookmarks) this.writeBookmark(watcher);
        this.forget(watcher);
        res.end();
      }, options.timeoutSeconds * 1000),
    };
    this.watchers.add(watcher);
    res.on('close', () => this.forget(watcher));
  }

  /** Ends every watch cleanly (server shutdown). */
  closeAll(): void {
    for (const watcher of [...this.watchers]) {
      this.forget(watcher);
      watcher.res.end();
    }
  }

  private record(type: HistoryEntry['type'], pod: FakePod, rv: number): void {
    const object = structuredClone(pod);
    this.history.push({ type, object, rv });
    for (const watcher of this.watchers) if (watcher.filter(object)) writeEvent(watcher.res, type, object);
  }

  private writeBookmark(watcher: Watcher): void {
    // What the server sends: an empty object of the watched kind with only the resourceVersion.
    writeEvent(watcher.res, 'BOOKMARK', {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(this.clock.now()), creationTimestamp: null },
      spec: { containers: null },
      status: {},
    });
  }

  private forget(watcher: Watcher): void {
    clearTimeout(watcher.timer);
    this.watchers.delete(watcher);
  }

  private mustGet(uid: string): FakePod {
    const pod = this.pods.get(uid);
    if (pod === undefined) throw new Error(`no pod with uid ${uid}`);
    return pod;
  }
}

function writeEvent(res: ServerResponse, type: WatchEventType, object: unknown): void {
  if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
}

/** `spec.nodeName=x,metadata.namespace=y` (also `==`); undefined filter and an error for unsupported fields. */
export function parseFieldSelector(selector: string | null): { filter: PodFilter } | { error: StatusObject } {
  const terms: [string, string][] = [];
  for (const term of (selector ?? '').split(',').filter((t) => t !== '')) {
    const match = /^([^=!]+)==?(.*)$/.exec(term);
    if (match === null) return { error: failure(400, 'BadRequest', `invalid field selector: "${term}"`) };
    const [, field = '', value = ''] = match;
    if (!['spec.nodeName', 'metadata.name', 'metadata.namespace'].includes(field)) {
      return { error: failure(400, 'BadRequest', `field label not supported: ${field}`) };
    }
    terms.push([field, value]);
  }
  const get = (pod: FakePod, field: string): string =>
    field === 'spec.nodeName'
      ? pod.spec.nodeName
      : field === 'metadata.name'
        ? pod.metadata.name
        : pod.metadata.namespace;
  return { filter: (pod) => terms.every(([field, value]) => get(pod, field) === value) };
}
