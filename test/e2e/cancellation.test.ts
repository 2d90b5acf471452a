/**
 * One answer to an abandoned Mount, whatever it was waiting for. When the Mount's deadline
 * passes, or the driver cancels the call, in any stage (waiting in the Vault scheduler, a Vault
 * request, the TokenRequest call to Kubernetes, the sandbox queue or a render), the error is a
 * DeadlineExceeded whose message names what was pending. The provider's error is read from the
 * audit line: a cancelled caller has stopped listening, and on a loaded machine the caller's own
 * deadline may fire before the provider's answer arrives (the status is the same either way).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { loadProviderProto } from '../../src/provider-proto.js';
import type { PodFixture } from '../support/cluster/pod.js';
import { spcParameters, startHarness, type Harness } from '../support/harness.js';
import type { FakeKubeApi } from '../support/kube-api/index.js';
import { startTokenRequestFallbackHarness } from '../kube/kube-fixtures.js';

const DEADLINE_MS = 1500;
const SLOW = '- {objectName: slow, secretPath: secret/data/slow, secretKey: k}';
const PLAIN = '- {objectName: u, secretPath: secret/data/app, secretKey: username}';
const FORMATTED = '- {objectName: b, secretPath: secret/data/app, format: json}';
/** Renders for seconds in all (each object about 0.1-0.2 s, within the template step budget). */
const HEAVY = Array.from(
  { length: 60 },
  (_, i) =>
    `- {objectName: h${i}, template: ${JSON.stringify(`{{ with secret "secret/data/app" }}{{ end }}{{ $s := printf "%1000000s" "" }}{{ urlquery $s | len }}`)}}`,
).join('\n');

interface Ended {
  readonly code?: number;
  readonly details?: string;
}

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

interface Audit {
  readonly result: string;
  readonly error: string;
}

/** The provider's own end of a Mount of `pod`, from its audit line. */
async function auditOf(h: Harness, pod: PodFixture): Promise<Audit> {
  let audit: Audit | undefined;
  await waitFor('the audit line of the Mount', () => {
    const line = h.logs.find((entry) => entry.includes('"audit":true') && entry.includes(pod.uid));
    audit = line === undefined ? undefined : (JSON.parse(line) as Audit);
    return audit !== undefined;
  });
  return audit ?? { result: '', error: '' };
}

/** A Mount with a short deadline: the caller sees DeadlineExceeded; the provider's error, from the audit line. */
async function withDeadline(h: Harness, pod: PodFixture, objects: string): Promise<Audit> {
  let ended: Ended | undefined;
  try {
    await h.driver.mount(pod, { spc: h.spc(spcParameters(objects)) }, h.target(), { deadlineMs: DEADLINE_MS });
  } catch (error) {
    ended = error as Ended;
  }
  assert.equal(ended?.code, grpc.status.DEADLINE_EXCEEDED, ended?.details ?? 'the Mount succeeded');
  return auditOf(h, pod);
}

/** A Mount call the test cancels as the driver does (gRPC cancel), once `ready()` holds. */
async function startCall(h: Harness, pod: PodFixture, objects: string) {
  const request = await h.driver.buildRequest(pod, { spc: h.spc(spcParameters(objects)) }, h.target());
  const proto = loadProviderProto();
  const client = new proto.v1alpha1.CSIDriverProvider(`unix:${h.config.endpoint}`, grpc.credentials.createInsecure(), {
    'grpc.default_authority': 'localhost',
  });
  let resolveEnded: (ended: Ended) => void = () => undefined;
  const ended = new Promise<Ended>((resolve) => {
    resolveEnded = resolve;
  });
  const call = client.Mount(request, { deadline: Date.now() + 60_000 }, (error) => resolveEnded(error ?? {}));
  return {
    ended,
    /** Cancels the call and returns the provider's own error for it, from the audit line. */
    async cancel(): Promise<Audit> {
      call.cancel();
      assert.equal((await ended).code, grpc.status.CANCELLED);
      client.close();
      return auditOf(h, pod);
    },
  };
}

function assertDeadline(audit: Audit, pending: RegExp): void {
  assert.equal(audit.result, 'DEADLINE_EXCEEDED', audit.error);
  assert.match(audit.error, pending);
}

function assertCancelled(audit: Audit, pending: RegExp): void {
  assert.equal(audit.result, 'DEADLINE_EXCEEDED', audit.error);
  assert.match(audit.error, pending);
  assert.match(audit.error, /: the driver cancelled the Mount$/);
}

async function mountsInFlight(h: Harness): Promise<number> {
  const metric = await h.provider.metrics.registry.getSingleMetric('vault_csi_provider_mounts_in_flight')?.get();
  return metric?.values[0]?.value ?? 0;
}

describe('cancellation and deadlines: one status on every path', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      providerArgs: ['-vault-max-in-flight=1', '-vault-max-retries=0', '-sandbox-workers=1', '-sandbox-time-limit=60s'],
    });
  });
  after(async () => {
    h.vault.setFault(null);
    await h.stop();
  });

  const slowReads = () => h.vault.stats.requests.filter((request) => request.path === '/v1/secret/data/slow').length;
  const appReads = () => h.vault.stats.requests.filter((request) => request.path === '/v1/secret/data/app').length;

  test('a Vault request', async () => {
    h.vault.setFault({ kind: 'hang', pathPrefix: '/v1/secret/data/slow' });
    try {
      assertDeadline(await withDeadline(h, h.appPod(), SLOW), /^object "slow": Vault did not answer within/);
      const seen = slowReads();
      const call = await startCall(h, h.appPod(), SLOW);
      await waitFor('the request at Vault', () => slowReads() > seen);
      assertCancelled(await call.cancel(), /^object "slow"/);
    } finally {
      h.vault.setFault(null);
    }
  });

  test('waiting in the Vault scheduler behind another pod’s request', async () => {
    h.vault.setFault({ kind: 'hang', pathPrefix: '/v1/secret/data/slow' });
    const seen = slowReads();
    const holder = await startCall(h, h.appPod(), SLOW);
    try {
      await waitFor('the only Vault slot to be taken', () => slowReads() > seen);
      assertDeadline(await withDeadline(h, h.appPod(), PLAIN), /^object "u": Vault did not answer within/);
      const call = await startCall(h, h.appPod(), PLAIN);
      await waitFor('the Mount to wait', async () => (await mountsInFlight(h)) === 2);
      assertCancelled(await call.cancel(), /^object "u"/);
    } finally {
      await holder.cancel();
      h.vault.setFault(null);
    }
  });

  test('a render', async () => {
    assertDeadline(
      await withDeadline(h, h.appPod(), HEAVY),
      /^objects "h0", .*"h59": rendering did not finish within this Mount's budget/,
    );
    const seen = appReads();
    const call = await startCall(h, h.appPod(), HEAVY);
    await waitFor('the render to start', () => appReads() > seen);
    assertCancelled(await call.cancel(), /^objects "h0", /);
  });

  test('waiting in the sandbox queue behind another pod’s render', async () => {
    const seen = appReads();
    const holder = await startCall(h, h.appPod(), HEAVY);
    try {
      await waitFor('the only sandbox worker to be taken', () => appReads() > seen);
      assertDeadline(
        await withDeadline(h, h.appPod(), FORMATTED),
        /^object "b": rendering did not finish within this Mount's budget/,
      );
      const before = appReads();
      const call = await startCall(h, h.appPod(), FORMATTED);
      await waitFor('the Mount to reach the queue', () => appReads() > before);
      assertCancelled(await call.cancel(), /^object "b"/);
    } finally {
      await holder.cancel();
    }
  });
});

describe('cancellation and deadlines: the TokenRequest call to Kubernetes', () => {
  let fake: FakeKubeApi;
  let h: Harness;
  let stop: () => Promise<void>;
  before(async () => {
    ({ fake, h, stop } = await startTokenRequestFallbackHarness());
  });
  after(() => stop());

  function pod(): PodFixture {
    const appPod = h.appPod();
    fake.pods.addPod({ ...appPod, nodeName: 'node-1' });
    return appPod;
  }
  const tokenRequests = () => fake.requests.filter((request) => request.path.endsWith('/token')).length;
  const hangTokenRequest = () =>
    fake.hangNext({ method: 'POST', pathPrefix: '/api/v1/namespaces/default/serviceaccounts/' });

  test('a stuck TokenRequest ends with the same DeadlineExceeded, by deadline or by cancel', async () => {
    hangTokenRequest();
    assertDeadline(
      await withDeadline(h, pod(), PLAIN),
      /^TokenRequest for service account "default\/app": the Kubernetes API did not answer within this Mount's budget/,
    );
    hangTokenRequest();
    const seen = tokenRequests();
    const call = await startCall(h, pod(), PLAIN);
    await waitFor('the TokenRequest at the API server', () => tokenRequests() > seen);
    assertCancelled(await call.cancel(), /^TokenRequest for service account "default\/app"/);
  });
});
