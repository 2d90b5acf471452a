/**
 * The manifests, validated by the real API server (admission, defaulting, schema): the chart
 * rendered with default and with full values, and `deploy/kubernetes`, applied with a
 * server-side dry run and then for real; `helm install` of two releases of one name in two
 * namespaces; and Pod Security admission on the provider's pod as docs/install.md describes it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as z from 'zod';
import {
  CHART_DIR,
  FULL_VALUES,
  MANIFESTS_DIR,
  PROMETHEUS_OPERATOR_APIS,
  helmTemplate,
  type KubeObject,
} from '../../support/kube-tools.js';
import { kubeTierGate, startKubeApiServer, type KubeApiServer } from './support/api-server.js';
import { applyObjects, applyOrThrow, createNamespace, helmAs, kubectlAs } from './support/cluster.js';

const PRIVILEGED = { 'pod-security.kubernetes.io/enforce': 'privileged' };

const DaemonSetSchema = z.object({
  metadata: z.object({ uid: z.string(), generation: z.number() }),
  spec: z.object({
    revisionHistoryLimit: z.number(),
    template: z.object({
      metadata: z.object({ labels: z.record(z.string(), z.string()) }),
      spec: z.looseObject({ dnsPolicy: z.string(), schedulerName: z.string() }),
    }),
  }),
});

describe('kube tier: the manifests, validated by the API server', kubeTierGate(), () => {
  let server: KubeApiServer;

  before(async () => {
    server = await startKubeApiServer();
  });
  after(async () => {
    await server.stop();
  });

  async function daemonSet(namespace: string, name: string) {
    const { body } = await server.admin.request('GET', `/apis/apps/v1/namespaces/${namespace}/daemonsets/${name}`);
    return DaemonSetSchema.parse(body);
  }

  test('the chart with default values: a server-side dry run, then the objects and the DaemonSet created', async () => {
    await createNamespace(server.admin, 'chart-default', PRIVILEGED);
    const objects = await helmTemplate({ namespace: 'chart-default' });
    const dryRun = await applyOrThrow(server, objects, { dryRun: true });
    assert.equal(dryRun.length, objects.length);
    await applyOrThrow(server, objects);
    const created = await daemonSet('chart-default', 'vault-csi-provider');
    // Defaults only the server fills in: the object went through its admission and defaulting.
    assert.equal(created.metadata.generation, 1);
    assert.equal(created.spec.revisionHistoryLimit, 10);
    assert.equal(created.spec.template.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(created.spec.template.spec.schedulerName, 'default-scheduler');
  });

  test('the chart with full values: every object accepted; its monitoring objects need the Prometheus Operator', async () => {
    await createNamespace(server.admin, 'chart-full', PRIVILEGED);
    const objects = await helmTemplate({ namespace: 'chart-full', release: 'full', valuesFiles: [FULL_VALUES] });
    assert.deepEqual(
      objects.filter((object) => object.kind === 'ServiceMonitor' || object.kind === 'PrometheusRule'),
      [],
    );
    await applyOrThrow(server, objects, { dryRun: true });
    await applyOrThrow(server, objects);
    await daemonSet('chart-full', 'full-vault-csi-provider');
    // Rendered for a cluster with the operator, this server (without its CRDs) refuses them.
    const withMonitoring = await helmTemplate({
      namespace: 'chart-full',
      release: 'full',
      valuesFiles: [FULL_VALUES],
      apiVersions: PROMETHEUS_OPERATOR_APIS,
    });
    const monitoring = withMonitoring.filter(
      (object) =>
        object.metadata.name === 'full-vault-csi-provider' && object.apiVersion.startsWith('monitoring.coreos.com/'),
    );
    assert.equal(monitoring.length, 2);
    const refused = await applyObjects(server, monitoring, { dryRun: true });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /no matches for kind "(ServiceMonitor|PrometheusRule)"/);
  });

  test('helm install: full values against this server skip the monitoring objects and say so', async () => {
    const result = await helmAs(server, [
      'install',
      'monitored',
      CHART_DIR,
      '--namespace',
      'monitored',
      '--create-namespace',
      '--values',
      FULL_VALUES,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /WARNING: monitoring\.serviceMonitor\.enabled is true, but this cluster does not serve/,
    );
    assert.match(result.stdout, /WARNING: monitoring\.prometheusRule\.enabled is true/);
  });

  test('helm install: two releases of one name in two namespaces, each with its ClusterRole', async () => {
    for (const namespace of ['team-a', 'team-b']) {
      const result = await helmAs(server, [
        'install',
        'vault-csi-provider',
        CHART_DIR,
        '--namespace',
        namespace,
        '--create-namespace',
        '--set',
        'leaseRevocation.enabled=true',
        '--set',
        'tokenRequestFallback.enabled=true',
      ]);
      assert.equal(result.code, 0, `${namespace}: ${result.stderr}`);
    }
    const roles = await kubectlAs(server, [
      'get',
      'clusterroles',
      '-o',
      'name',
      '-l',
      'app.kubernetes.io/instance=vault-csi-provider',
    ]);
    assert.deepEqual(roles.stdout.trim().split('\n').sort(), [
      'clusterrole.rbac.authorization.k8s.io/team-a:vault-csi-provider',
      'clusterrole.rbac.authorization.k8s.io/team-b:vault-csi-provider',
    ]);
  });

  test('deploy/kubernetes: its namespace, then kubectl apply -k as a server-side dry run and for real', async () => {
    // A dry run creates nothing, so the objects in the namespace it would create cannot be checked
    // before the namespace exists: apply that one first, as `kubectl apply -k` orders it first.
    const namespace = await kubectlAs(server, ['apply', '-f', join(MANIFESTS_DIR, 'namespace.yaml')]);
    assert.equal(namespace.code, 0, namespace.stderr);
    const dryRun = await kubectlAs(server, ['apply', '-k', MANIFESTS_DIR, '--dry-run=server', '-o', 'name']);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.match(dryRun.stdout, /daemonset\.apps\/vault-csi-provider/);
    const applied = await kubectlAs(server, ['apply', '-k', MANIFESTS_DIR]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.doesNotMatch(applied.stderr, /would violate PodSecurity/);
    await daemonSet('csi', 'vault-csi-provider');
  });

  describe('Pod Security admission (docs/install.md: the namespace needs the privileged level)', () => {
    /** The pod the DaemonSet controller would create from the chart's template, on a node. */
    async function providerPod(namespace: string): Promise<KubeObject> {
      const objects = await helmTemplate({ namespace });
      const template = z
        .object({
          spec: z.object({ template: z.object({ metadata: z.unknown(), spec: z.record(z.string(), z.unknown()) }) }),
        })
        .parse(objects.find((object) => object.kind === 'DaemonSet')).spec.template;
      const serviceAccount = objects.find((object) => object.kind === 'ServiceAccount');
      if (serviceAccount !== undefined) await applyOrThrow(server, [serviceAccount]);
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...(template.metadata as object), name: 'vault-csi-provider-node-1', namespace },
        spec: { ...template.spec, nodeName: 'node-1' },
      };
    }

    async function createDryRun(pod: KubeObject) {
      return server.admin
        .request('POST', `/api/v1/namespaces/${pod.metadata.namespace}/pods`, { body: pod, query: { dryRun: 'All' } })
        .then(
          () => 'admitted',
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        );
    }

    test('enforce=privileged (as docs/install.md labels it, and deploy/kubernetes creates it): admitted', async () => {
      await createNamespace(server.admin, 'psa-privileged', PRIVILEGED);
      assert.equal(await createDryRun(await providerPod('psa-privileged')), 'admitted');
      assert.equal(await createDryRun(await providerPod('csi')), 'admitted');
    });

    for (const level of ['baseline', 'restricted']) {
      test(`enforce=${level}: refused for the socket's hostPath volume`, async () => {
        const namespace = `psa-${level}`;
        await createNamespace(server.admin, namespace, { 'pod-security.kubernetes.io/enforce': level });
        const verdict = await createDryRun(await providerPod(namespace));
        assert.match(verdict, new RegExp(`violates PodSecurity "${level}:latest"`));
        assert.match(verdict, /hostPath/);
        assert.match(verdict, /volume "providervol"/);
      });
    }
  });
});
