/**
 * The chart's RBAC against the real authorizer: the provider's own Kubernetes calls (the HMAC key
 * Secret, the start-up permission check, the TokenRequest fallback, the node's pod list and
 * watch), made with a token of the chart's ServiceAccount bound by exactly the chart's rules.
 * Sufficient: the API server's audit log shows every call the code made, each allowed, and
 * `kubectl auth can-i` agrees for each. Needed: every rule is used by one of those calls, and
 * without any one of its verbs the feature that uses it fails, saying what to grant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as z from 'zod';
import { KubeClientHolder } from '../../../src/kube/kube-client-holder.js';
import { MIN_HMAC_KEY_BYTES } from '../../../src/config/hmac-key.js';
import { loadOrCreateHmacKey } from '../../../src/kube/hmac-key-secret.js';
import {
  MissingPermissionError,
  POD_WATCH_FEATURE,
  TOKEN_REQUEST_FALLBACK_FEATURE,
  requireFeaturePermissions,
} from '../../../src/kube/feature-permissions.js';
import type { KubeClient } from '../../../src/kube/in-cluster.js';
import { isKubeApiError } from '../../../src/kube/kube-api-error.js';
import { PodWatcher } from '../../../src/kube/pod-watcher.js';
import { tokenRequestFallback } from '../../../src/kube/token-request-fallback.js';
import { MissingServiceAccountTokenError } from '../../../src/errors.js';
import type { PodFixture } from '../../support/cluster/pod.js';
import type { KubeObject } from '../../support/kube-tools.js';
import { capturedLogger, waitFor } from '../kube-fixtures.js';
import { kubeTierGate, startKubeApiServer, type AuditEvent, type KubeApiServer } from './support/api-server.js';
import { chartIdentity, type ChartIdentity } from './support/chart-identity.js';
import {
  applyOrThrow,
  createAppNamespace,
  createPod,
  createServiceAccount,
  kubectlAs,
  reviewToken,
} from './support/cluster.js';
import { isAllowed, type ResourceCall } from './support/access.js';
import { waitUntil } from './support/processes.js';

const NODE = 'node-rbac';
const SECRET = 'vault-csi-provider-hmac-key';
const FEATURES = ['tokenRequestFallback.enabled=true', 'leaseRevocation.enabled=true'];

const Rules = z.array(
  z.object({
    apiGroups: z.array(z.string()),
    resources: z.array(z.string()),
    verbs: z.array(z.string()),
    resourceNames: z.array(z.string()).optional(),
  }),
);
type Rule = z.infer<typeof Rules>[number];

function rulesOf(object: KubeObject): Rule[] {
  return Rules.parse(object.rules);
}

/** The call an audit event records, as RBAC sees it. */
function callOf(event: AuditEvent): ResourceCall & { code: number } {
  const ref = event.objectRef ?? {};
  return {
    verb: event.verb,
    group: ref.apiGroup ?? '',
    resource: ref.resource ?? '',
    ...(ref.subresource === undefined ? {} : { subresource: ref.subresource }),
    ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
    ...(ref.name === undefined ? {} : { name: ref.name }),
    code: event.responseStatus?.code ?? 0,
  };
}

function ruleCovers(rule: Rule, roleNamespace: string | undefined, call: ResourceCall): boolean {
  const resource = call.subresource === undefined ? call.resource : `${call.resource}/${call.subresource}`;
  return (
    rule.apiGroups.includes(call.group) &&
    rule.resources.includes(resource) &&
    rule.verbs.includes(call.verb) &&
    (rule.resourceNames === undefined || (call.name !== undefined && rule.resourceNames.includes(call.name))) &&
    (roleNamespace === undefined || call.namespace === roleNamespace)
  );
}

describe("kube tier: the chart's RBAC is sufficient and every rule is needed", kubeTierGate(), () => {
  let server: KubeApiServer;
  let identity: ChartIdentity;
  let client: KubeClient;
  let pod: PodFixture;
  let role: KubeObject;
  let clusterRole: KubeObject;

  before(async () => {
    server = await startKubeApiServer();
    identity = await chartIdentity(server, { namespace: 'csi', set: FEATURES });
    client = identity.client();
    await createAppNamespace(server.admin, 'apps');
    await createServiceAccount(server.admin, 'apps', 'app');
    pod = await createPod(server.admin, { namespace: 'apps', serviceAccountName: 'app', nodeName: NODE });
    role = identity.rbac.find((object) => object.kind === 'Role')!;
    clusterRole = identity.rbac.find((object) => object.kind === 'ClusterRole')!;
  });
  after(async () => {
    await client.close();
    await server.stop();
  });

  /** Every Kubernetes call path of the provider, once, as the chart's ServiceAccount. */
  async function exerciseEveryCall(): Promise<void> {
    const { logger } = capturedLogger();
    const holder = new KubeClientHolder(client);
    const created = await loadOrCreateHmacKey(client, {
      namespace: 'csi',
      secretName: SECRET,
      logger,
      minKeyBytes: MIN_HMAC_KEY_BYTES,
    });
    const reread = await loadOrCreateHmacKey(client, {
      namespace: 'csi',
      secretName: SECRET,
      logger,
      minKeyBytes: MIN_HMAC_KEY_BYTES,
    });
    assert.ok(created.equals(reread), 'the second load reads the key the first created');

    await requireFeaturePermissions(holder, [TOKEN_REQUEST_FALLBACK_FEATURE, POD_WATCH_FEATURE], logger);

    const token = await tokenRequestFallback(holder, { audiences: ['vault'] }).mint(
      pod,
      'vault',
      AbortSignal.timeout(10_000),
    );
    const review = await reviewToken(server.admin, token, ['vault']);
    assert.equal(review.authenticated, true);
    assert.equal(review.user?.username, 'system:serviceaccount:apps:app');
    const boundTo = review.user.extra ?? {};
    assert.deepEqual(boundTo['authentication.kubernetes.io/pod-uid'], [pod.uid], 'bound to the pod');

    const watcher = new PodWatcher(client, { nodeName: NODE, logger, onPodGone: () => undefined });
    watcher.start();
    await watcher.whenSynced();
    assert.ok(watcher.isKnownLive(pod.uid));
    const next = await createPod(server.admin, { namespace: 'apps', serviceAccountName: 'app', nodeName: NODE });
    await waitFor('the watch to deliver the new pod', () => watcher.isKnownLive(next.uid), 10_000);
    await watcher.stop();
  }

  test('sufficient: every call the code makes is allowed, by the audit log and by kubectl auth can-i', async () => {
    await exerciseEveryCall();
    let calls: ReturnType<typeof callOf>[] = [];
    // A watch is audited when it ends, a moment after the watcher closed it.
    await waitUntil(
      'the audit log to record the watch',
      async () => {
        calls = (await server.auditEvents()).filter((e) => e.user.username === identity.username).map(callOf);
        return calls.some((call) => call.verb === 'watch');
      },
      { timeoutMs: 10_000 },
    );
    const described = new Set(
      calls.map(
        (call) =>
          `${call.verb} ${call.resource}${call.subresource === undefined ? '' : `/${call.subresource}`} → ${call.code}`,
      ),
    );
    const distinct = new Map(
      calls.map((call) => [
        JSON.stringify([call.verb, call.group, call.resource, call.subresource, call.namespace, call.name]),
        call,
      ]),
    );
    assert.deepEqual(
      [...described].sort(),
      [
        'create secrets → 201',
        'create selfsubjectaccessreviews → 201',
        'create serviceaccounts/token → 201',
        'get secrets → 200',
        'get secrets → 404',
        'list pods → 200',
        'watch pods → 200',
      ],
      'the calls the provider made, as the API server recorded them',
    );
    for (const call of distinct.values()) {
      const verdict = await kubectlAs(server, [
        'auth',
        'can-i',
        call.verb,
        `${call.resource}${call.group === '' ? '' : `.${call.group}`}${call.name === undefined || call.verb === 'create' ? '' : `/${call.name}`}`,
        ...(call.subresource === undefined ? [] : ['--subresource', call.subresource]),
        ...(call.namespace === undefined ? ['--all-namespaces'] : ['--namespace', call.namespace]),
        '--as',
        identity.username,
      ]);
      assert.equal(verdict.stdout.trim(), 'yes', `kubectl auth can-i ${call.verb} ${call.resource}: ${verdict.stderr}`);
    }
    for (const [kind, object, namespace] of [
      ['Role', role, 'csi'],
      ['ClusterRole', clusterRole, undefined],
    ] as const) {
      for (const rule of rulesOf(object)) {
        for (const verb of rule.verbs) {
          const single = { ...rule, verbs: [verb] };
          assert.ok(
            calls.some((call) => call.code < 400 && ruleCovers(single, namespace, call)),
            `${kind} rule ${verb} ${rule.resources.join(',')} is used by a successful call`,
          );
        }
      }
    }
  });

  test('least privilege: nothing beyond those calls', async () => {
    const refused: ResourceCall[] = [
      { verb: 'get', group: '', resource: 'secrets', namespace: 'csi', name: 'another-secret' },
      { verb: 'list', group: '', resource: 'secrets', namespace: 'csi' },
      { verb: 'update', group: '', resource: 'secrets', namespace: 'csi', name: SECRET },
      { verb: 'delete', group: '', resource: 'secrets', namespace: 'csi', name: SECRET },
      { verb: 'get', group: '', resource: 'secrets', namespace: 'apps', name: SECRET },
      { verb: 'create', group: '', resource: 'secrets', namespace: 'apps' },
      { verb: 'get', group: '', resource: 'pods', namespace: 'apps', name: pod.name },
      { verb: 'create', group: '', resource: 'pods', namespace: 'apps' },
      { verb: 'delete', group: '', resource: 'pods', namespace: 'apps', name: pod.name },
      { verb: 'get', group: '', resource: 'serviceaccounts', namespace: 'apps', name: 'app' },
      { verb: 'impersonate', group: '', resource: 'serviceaccounts' },
    ];
    for (const call of refused) {
      assert.equal(await isAllowed(server.admin, identity.username, call), false, JSON.stringify(call));
    }
  });

  /** Applies `object` with `verb` taken out of the rule at `index`, runs `check`, and puts it back. */
  async function without(object: KubeObject, index: number, verb: string, check: () => Promise<void>) {
    const rules = rulesOf(object);
    const rule = rules[index]!;
    const reduced = rule.verbs.filter((candidate) => candidate !== verb);
    const narrowed =
      reduced.length === 0
        ? rules.filter((_, i) => i !== index)
        : rules.map((r, i) => (i === index ? { ...r, verbs: reduced } : r));
    const probe: ResourceCall = {
      verb,
      group: '',
      resource: rule.resources[0]!.split('/')[0]!,
      ...(rule.resources[0]!.includes('/') ? { subresource: rule.resources[0]!.split('/')[1]! } : {}),
      ...(object.kind === 'Role' ? { namespace: 'csi' } : {}),
      ...(rule.resourceNames === undefined ? {} : { name: rule.resourceNames[0]! }),
    };
    // The authorizer follows RBAC objects through a watch: wait until it sees each change.
    await applyOrThrow(server, [{ ...object, rules: narrowed }]);
    try {
      await waitUntil(
        'the narrowed rule to take effect',
        async () => !(await isAllowed(server.admin, identity.username, probe)),
      );
      await check();
    } finally {
      await applyOrThrow(server, [object]);
      await waitUntil('the full rule to be back', () => isAllowed(server.admin, identity.username, probe));
    }
  }

  const forbidden = (hint: RegExp) => (error: unknown) => {
    assert.ok(isKubeApiError(error, 'ERR_KUBE_FORBIDDEN'), String(error));
    assert.match(error.message, hint);
    return true;
  };

  test('needed: Role get on the HMAC Secret by name', async () => {
    await without(role, 0, 'get', async () => {
      await assert.rejects(
        loadOrCreateHmacKey(client, {
          namespace: 'csi',
          secretName: SECRET,
          logger: capturedLogger().logger,
          minKeyBytes: MIN_HMAC_KEY_BYTES,
        }),
        forbidden(/"get" on secrets with resourceNames \["vault-csi-provider-hmac-key"\]/),
      );
    });
  });

  test('needed: Role create on secrets (when the Secret does not exist yet)', async () => {
    await server.admin.request('DELETE', `/api/v1/namespaces/csi/secrets/${SECRET}`);
    await without(role, 1, 'create', async () => {
      await assert.rejects(
        loadOrCreateHmacKey(client, {
          namespace: 'csi',
          secretName: SECRET,
          logger: capturedLogger().logger,
          minKeyBytes: MIN_HMAC_KEY_BYTES,
        }),
        forbidden(/"create" on secrets/),
      );
    });
  });

  test('needed: ClusterRole create on serviceaccounts/token', async () => {
    await without(clusterRole, 0, 'create', async () => {
      await assert.rejects(
        requireFeaturePermissions(
          new KubeClientHolder(client),
          [TOKEN_REQUEST_FALLBACK_FEATURE],
          capturedLogger().logger,
        ),
        (error) =>
          error instanceof MissingPermissionError && error.message.includes('"create" on "serviceaccounts/token"'),
      );
      await assert.rejects(
        tokenRequestFallback(new KubeClientHolder(client), { audiences: ['vault'] }).mint(
          pod,
          'vault',
          AbortSignal.timeout(10_000),
        ),
        (error) =>
          error instanceof MissingServiceAccountTokenError &&
          error.message.includes('"create" on "serviceaccounts/token"') &&
          error.message.includes('forbidden'),
      );
    });
  });

  for (const verb of ['list', 'watch'] as const) {
    test(`needed: ClusterRole ${verb} on pods`, async () => {
      await without(clusterRole, 1, verb, async () => {
        await assert.rejects(
          requireFeaturePermissions(new KubeClientHolder(client), [POD_WATCH_FEATURE], capturedLogger().logger),
          (error) =>
            error instanceof MissingPermissionError &&
            error.message.includes(`"${verb}" on "pods"`) &&
            error.message.includes('leaseRevocation.enabled=true'),
        );
        const { logger, lines } = capturedLogger();
        const watcher = new PodWatcher(client, {
          nodeName: NODE,
          logger,
          onPodGone: () => undefined,
          initialBackoffMs: 50,
        });
        watcher.start();
        await waitFor('the refused call', () => lines.some((line) => line.includes('ERR_KUBE_FORBIDDEN')), 10_000);
        assert.equal(watcher.hasSynced(), verb === 'watch', 'only the list decides the first sync');
        await watcher.stop();
      });
    });
  }
});
