import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { KubeClient } from '../../src/kube/in-cluster.js';
import { PodWatcher, type PodWatcherOptions } from '../../src/kube/pod-watcher.js';
import { startFakeKubeApi, type FakeKubeApi, type RecordedRequest } from '../support/kube-api/index.js';
import { capturedLogger, clientFor, TOKEN, waitFor } from './kube-fixtures.js';

const NODE = 'node-1';
const pod = (name: string, nodeName = NODE): { namespace: string; name: string; uid: string; nodeName: string } => ({
  namespace: 'apps',
  name,
  uid: `uid-${name}`,
  nodeName,
});

describe('PodWatcher', () => {
  let fake: FakeKubeApi;
  let client: KubeClient;
  let watcher: PodWatcher;
  let gone: string[];
  let logs: string[];

  const isWatch = (r: RecordedRequest): boolean => r.path === '/api/v1/pods' && r.query.watch === 'true';
  const isList = (r: RecordedRequest): boolean => r.path === '/api/v1/pods' && r.query.watch === undefined;
  const watches = (): RecordedRequest[] => fake.requests.filter(isWatch);
  const lists = (): RecordedRequest[] => fake.requests.filter(isList);

  async function startWatcher(overrides: Partial<PodWatcherOptions> = {}): Promise<void> {
    const captured = capturedLogger();
    logs = captured.lines;
    watcher = new PodWatcher(client, {
      nodeName: NODE,
      logger: captured.logger,
      onPodGone: (uid) => gone.push(uid),
      watchTimeoutSeconds: 30,
      initialBackoffMs: 20,
      maxBackoffMs: 80,
      ...overrides,
    });
    watcher.start();
    await watcher.whenSynced();
    await waitFor('the watch to be open', () => fake.pods.activeWatches === 1);
  }

  beforeEach(async () => {
    fake = await startFakeKubeApi({ token: TOKEN });
    client = clientFor(fake);
    gone = [];
    fake.pods.addPod(pod('a'));
    fake.pods.addPod(pod('b'));
    fake.pods.addPod(pod('elsewhere', 'node-2'));
  });
  afterEach(async () => {
    await watcher.stop();
    await client.close();
    await fake.stop();
    assert.ok(!logs.join('').includes(TOKEN), 'token in logs');
  });

  test('lists the node’s pods, then watches from the list’s resourceVersion with bookmarks', async () => {
    await startWatcher();
    assert.ok(watcher.hasSynced());
    assert.ok(watcher.isKnownLive('uid-a') && watcher.isKnownLive('uid-b'));
    assert.ok(!watcher.isKnownLive('uid-elsewhere'));
    assert.deepEqual(lists()[0]?.query, { fieldSelector: 'spec.nodeName=node-1', resourceVersion: '0' });
    assert.deepEqual(watches()[0]?.query, {
      watch: 'true',
      fieldSelector: 'spec.nodeName=node-1',
      resourceVersion: fake.resourceVersion(),
      allowWatchBookmarks: 'true',
      timeoutSeconds: '30',
    });
  });

  test('ADDED pods become live; DELETED pods are reported gone once', async () => {
    await startWatcher();
    fake.pods.addPod(pod('c'));
    fake.pods.addPod(pod('other', 'node-2'));
    await waitFor('pod c live', () => watcher.isKnownLive('uid-c'));
    fake.pods.setPhase('uid-c', 'Succeeded');
    fake.pods.deletePod('uid-a');
    fake.pods.deletePod('uid-other');
    await waitFor('pod a gone', () => gone.includes('uid-a'));
    assert.deepEqual(gone, ['uid-a']);
    assert.ok(!watcher.isKnownLive('uid-a'));
    assert.ok(watcher.isKnownLive('uid-c'));
    assert.equal(watcher.resourceVersion, String(Number(fake.resourceVersion()) - 1));
  });

  test('a BOOKMARK moves the resourceVersion; the next watch resumes from it', async () => {
    await startWatcher();
    const before = watcher.resourceVersion;
    fake.pods.addPod(pod('unseen', 'node-2')); // advances the resourceVersion without an event for us
    fake.pods.sendBookmark();
    await waitFor('bookmark applied', () => watcher.resourceVersion === fake.resourceVersion());
    assert.notEqual(watcher.resourceVersion, before);
    fake.pods.dropWatches();
    await waitFor('a second watch', () => watches().length === 2 && fake.pods.activeWatches === 1);
    assert.equal(watches()[1]?.query.resourceVersion, fake.resourceVersion());
    assert.equal(lists().length, 1, 'no re-list needed');
  });

  test('410 as an ERROR event (history compacted) → re-list; a pod deleted in the gap is reported gone', async () => {
    await startWatcher();
    fake.pods.dropWatches();
    fake.pods.deletePod('uid-b'); // nobody is watching: the DELETED event is missed
    fake.pods.addPod(pod('d'));
    fake.compactHistory();
    await waitFor('pod b gone after re-list', () => gone.includes('uid-b'));
    assert.deepEqual(gone, ['uid-b']);
    assert.ok(watcher.isKnownLive('uid-d') && watcher.isKnownLive('uid-a'));
    const relist = lists()[1];
    assert.deepEqual(
      relist?.query,
      { fieldSelector: 'spec.nodeName=node-1' },
      'consistent re-list: no resourceVersion',
    );
    await waitFor('watch resumed', () => fake.pods.activeWatches === 1);
    assert.equal(watches().at(-1)?.query.resourceVersion, watcher.resourceVersion);
  });

  test('410 as an HTTP status → re-list and diff', async () => {
    await startWatcher();
    fake.failNext(410, 'Gone', { watch: true });
    fake.pods.dropWatches();
    fake.pods.deletePod('uid-a');
    await waitFor('pod a gone', () => gone.includes('uid-a'));
    assert.ok(watches().some((r) => r.status === 410));
    assert.equal(lists().length, 2);
    assert.deepEqual(gone, ['uid-a']);
  });

  test('a pod that owns state but was never seen is reported gone by a list that lacks it', async () => {
    await startWatcher({ ownedPods: () => ['uid-a', 'uid-never-watched'] });
    assert.deepEqual(gone, ['uid-never-watched'], 'the first list reconciles the owned pods');
    gone = [];
    fake.pods.dropWatches();
    fake.pods.addPod(pod('later', 'node-2')); // history moves on, then is compacted: 410
    fake.compactHistory();
    await waitFor('the re-list', () => lists().length === 2);
    await waitFor('the owned, unlisted pod reported again', () => gone.includes('uid-never-watched'));
    assert.ok(!gone.includes('uid-a'));
  });

  test('410 after a run of failures re-lists at once instead of after the accumulated backoff', async () => {
    await startWatcher({ initialBackoffMs: 300, maxBackoffMs: 10_000 });
    for (let failure = 0; failure < 2; failure++) fake.failNext(503, 'ServiceUnavailable', { watch: true });
    fake.failNext(410, 'Gone', { watch: true });
    fake.pods.dropWatches();
    // Backoffs of 150-300, 300-600 and 600-1200 ms for the drop and the 503s; the 410 must not
    // add the next one (1.2-2.4 s).
    await waitFor('the 410', () => watches().some((r) => r.status === 410), 5_000);
    const goneAt = Date.now();
    await waitFor('the re-list', () => lists().length === 2, 5_000);
    assert.ok(Date.now() - goneAt < 500, `re-listed ${Date.now() - goneAt} ms after the 410`);
  });

  test('ADDED and MODIFIED events report the pod present', async () => {
    const present: string[] = [];
    await startWatcher({ onPodPresent: (uid) => present.push(uid) });
    fake.pods.addPod(pod('e'));
    fake.pods.setPhase('uid-e', 'Running');
    await waitFor('two events for pod e', () => present.filter((uid) => uid === 'uid-e').length === 2);
  });

  test('connection drop → reconnect with backoff, and events flow again', async () => {
    await startWatcher();
    fake.pods.dropWatches();
    fake.failNext(503, 'ServiceUnavailable', { watch: true }); // one failed reconnect: backoff grows
    await waitFor('watch re-established', () => watches().length >= 3 && fake.pods.activeWatches === 1);
    fake.pods.deletePod('uid-a');
    await waitFor('pod a gone', () => gone.includes('uid-a'));
    assert.match(logs.join(''), /pod watch failed; retrying/);
  });

  test('a watch ended by its timeoutSeconds is renewed', async () => {
    await startWatcher({ watchTimeoutSeconds: 1 });
    await waitFor('renewed watch', () => watches().length >= 2 && fake.pods.activeWatches === 1, 4_000);
    fake.pods.deletePod('uid-b');
    await waitFor('pod b gone', () => gone.includes('uid-b'));
    assert.equal(lists().length, 1);
  });

  test('a throwing onPodGone is logged and does not stop the watch', async () => {
    await startWatcher({
      onPodGone: (uid) => {
        gone.push(uid);
        throw new Error('revoke failed');
      },
    });
    fake.pods.deletePod('uid-a');
    fake.pods.deletePod('uid-b');
    await waitFor('both gone', () => gone.length === 2);
    assert.match(logs.join(''), /onPodGone handler threw/);
  });

  // The backoff is 30-60 s: a stop that waited for it would outlast the test's 10 s timeout.
  test('stop() ends the watch and a pending backoff at once, leaving no timers', { timeout: 10_000 }, async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await startWatcher({ initialBackoffMs: 60_000, maxBackoffMs: 60_000 });
    fake.pods.dropWatches(); // a network failure: the watcher now waits out a 30–60 s backoff
    await waitFor('the backoff', () => logs.join('').includes('pod watch failed; retrying'));
    await watcher.stop();
    await waitFor('server saw the watch close', () => fake.pods.activeWatches === 0);
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    assert.ok(timersAfter <= timersBefore, `dangling timers: ${timersBefore} → ${timersAfter}`);
    await watcher.stop(); // idempotent
  });

  test('whenSynced() rejects when stopped before the first list succeeds', async () => {
    fake.failNext(500, 'InternalError', { watch: false });
    const captured = capturedLogger();
    logs = captured.lines;
    watcher = new PodWatcher(client, {
      nodeName: NODE,
      logger: captured.logger,
      onPodGone: () => undefined,
      initialBackoffMs: 60_000,
    });
    watcher.start();
    const synced = watcher.whenSynced();
    await waitFor('the failed list', () => lists().length === 1 && lists()[0]?.status === 500);
    await watcher.stop();
    await assert.rejects(synced, /stopped before the first pod list/);
    assert.ok(!watcher.hasSynced());
  });
});
