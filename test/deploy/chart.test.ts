/**
 * The Helm chart: lint, render with default and full values, validate every object, and check
 * the security posture, the provider flags and that RBAC/NetworkPolicy follow the features.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as z from 'zod';
import {
  CHART_DIR,
  FULL_VALUES,
  PROMETHEUS_OPERATOR_APIS,
  helm,
  helmTemplate,
  templateArgs,
  validateBuiltIn,
  type KubeObject,
  type TemplateOptions,
} from '../support/kube-tools.js';

const renders = new Map<string, Promise<KubeObject[]>>();
function render(options: TemplateOptions = {}): Promise<KubeObject[]> {
  const key = JSON.stringify(options);
  let rendered = renders.get(key);
  if (rendered === undefined) {
    rendered = helmTemplate(options);
    renders.set(key, rendered);
  }
  return rendered;
}
/** Full values on a cluster with the Prometheus Operator, so every optional object renders. */
const full = { valuesFiles: [FULL_VALUES], release: 'full', apiVersions: PROMETHEUS_OPERATOR_APIS } as const;

function find(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((object) => object.kind === kind);
}
function only(objects: readonly KubeObject[], kind: string): KubeObject {
  const found = find(objects, kind);
  assert.equal(found.length, 1, `exactly one ${kind}`);
  return found[0]!;
}
function kinds(objects: readonly KubeObject[]): string[] {
  return objects.map((object) => object.kind).sort();
}

/** The parts of a DaemonSet these tests read, checked with zod instead of casts. */
const container = z.object({
  name: z.string(),
  image: z.string(),
  imagePullPolicy: z.string(),
  args: z.array(z.string()),
  env: z
    .array(z.object({ name: z.string(), valueFrom: z.unknown().optional(), value: z.string().optional() }))
    .optional(),
  ports: z.array(z.object({ name: z.string(), containerPort: z.number(), protocol: z.string() })),
  livenessProbe: z.object({ httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }) }).loose(),
  readinessProbe: z
    .object({ httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }) })
    .loose(),
  resources: z.unknown(),
  securityContext: z.record(z.string(), z.unknown()),
  volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string(), readOnly: z.boolean().optional() })),
});
const daemonSetShape = z.object({
  spec: z.object({
    selector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
    updateStrategy: z.unknown(),
    template: z.object({
      metadata: z.object({
        labels: z.record(z.string(), z.string()),
        annotations: z.record(z.string(), z.string()).optional(),
      }),
      spec: z
        .object({
          serviceAccountName: z.string(),
          automountServiceAccountToken: z.boolean(),
          priorityClassName: z.string().optional(),
          securityContext: z.record(z.string(), z.unknown()),
          nodeSelector: z.record(z.string(), z.string()),
          tolerations: z.array(z.record(z.string(), z.unknown())).optional(),
          containers: z.array(container).length(1),
          volumes: z.array(z.object({ name: z.string() }).loose()),
        })
        .loose(),
    }),
  }),
});
type DaemonSetShape = z.infer<typeof daemonSetShape>;
function daemonSet(objects: readonly KubeObject[]): DaemonSetShape {
  return daemonSetShape.parse(only(objects, 'DaemonSet'));
}

const rulesShape = z.object({
  rules: z.array(
    z.object({
      apiGroups: z.array(z.string()),
      resources: z.array(z.string()),
      verbs: z.array(z.string()),
      resourceNames: z.array(z.string()).optional(),
    }),
  ),
});
const bindingShape = z.object({
  roleRef: z.object({ apiGroup: z.string(), kind: z.string(), name: z.string() }),
  subjects: z.array(z.object({ kind: z.string(), name: z.string(), namespace: z.string() })),
});

/** Prometheus Operator CRDs are not in kubernetes-models: the fields that matter, strictly. */
const serviceMonitorSchema = z.object({
  apiVersion: z.literal('monitoring.coreos.com/v1'),
  kind: z.literal('ServiceMonitor'),
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().min(1),
    labels: z.record(z.string(), z.string()),
  }),
  spec: z.strictObject({
    selector: z.strictObject({ matchLabels: z.record(z.string(), z.string()) }),
    namespaceSelector: z.strictObject({ matchNames: z.array(z.string()).min(1) }),
    endpoints: z
      .array(
        z.strictObject({
          port: z.string().min(1),
          path: z.string().startsWith('/'),
          interval: z.string().regex(/^\d+(ms|s|m|h)$/),
          scrapeTimeout: z.string().regex(/^\d+(ms|s|m|h)$/),
        }),
      )
      .min(1),
  }),
});
const prometheusRuleSchema = z.object({
  apiVersion: z.literal('monitoring.coreos.com/v1'),
  kind: z.literal('PrometheusRule'),
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().min(1),
    labels: z.record(z.string(), z.string()),
  }),
  spec: z.strictObject({
    groups: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          rules: z
            .array(
              z.strictObject({
                alert: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/),
                expr: z.string().min(1),
                for: z.string().regex(/^\d+(s|m|h)$/),
                labels: z.record(z.string(), z.string()),
                annotations: z.strictObject({ summary: z.string().min(1), description: z.string().min(1) }),
              }),
            )
            .min(1),
        }),
      )
      .min(1),
  }),
});

async function validateAll(objects: readonly KubeObject[]): Promise<void> {
  for (const object of objects) {
    if (object.kind === 'ServiceMonitor') serviceMonitorSchema.parse(object);
    else if (object.kind === 'PrometheusRule') prometheusRuleSchema.parse(object);
    else await validateBuiltIn(object);
  }
}

describe('helm lint', () => {
  test('passes --strict with default values', async () => {
    const result = await helm(['lint', CHART_DIR, '--strict']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /0 chart\(s\) failed/);
  });

  test('passes --strict with ci/full-values.yaml (every optional feature on)', async () => {
    const result = await helm(['lint', CHART_DIR, '--strict', '--values', FULL_VALUES]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /0 chart\(s\) failed/);
  });
});

describe('default values', () => {
  test('render exactly ServiceAccount, HMAC Role and binding, metrics Service and DaemonSet, all valid', async () => {
    const objects = await render();
    assert.deepEqual(kinds(objects), ['DaemonSet', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
    await validateAll(objects);
    for (const object of objects) {
      assert.equal(object.metadata.namespace, 'csi', `${object.kind} namespace`);
      const labels = object.metadata.labels ?? {};
      assert.equal(labels['app.kubernetes.io/name'], 'vault-csi-provider');
      assert.equal(labels['app.kubernetes.io/instance'], 'vault-csi-provider');
      assert.equal(labels['app.kubernetes.io/version'], '0.1.0');
      assert.equal(labels['helm.sh/chart'], undefined, 'no helm-only labels by default');
      assert.equal(labels['app.kubernetes.io/managed-by'], undefined);
    }
  });

  test('DaemonSet: Linux nodes, every taint, node-critical, hostPath socket dir at /provider', async () => {
    const ds = daemonSet(await render());
    const pod = ds.spec.template.spec;
    assert.deepEqual(pod.nodeSelector, { 'kubernetes.io/os': 'linux' });
    assert.deepEqual(pod.tolerations, [{ operator: 'Exists' }]);
    assert.equal(pod.priorityClassName, 'system-node-critical');
    assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } });
    assert.deepEqual(
      pod.volumes.find((volume) => volume.name === 'providervol'),
      { name: 'providervol', hostPath: { path: '/var/run/secrets-store-csi-providers', type: 'DirectoryOrCreate' } },
    );
    const [provider] = pod.containers;
    assert.ok(provider);
    assert.equal(provider.image, 'ghcr.io/example/vault-csi-provider-ts:0.1.0');
    assert.equal(provider.imagePullPolicy, 'IfNotPresent');
    assert.deepEqual(
      provider.volumeMounts.find((mount) => mount.name === 'providervol'),
      { name: 'providervol', mountPath: '/provider' },
    );
    assert.deepEqual(ds.spec.selector.matchLabels, {
      'app.kubernetes.io/name': 'vault-csi-provider',
      'app.kubernetes.io/instance': 'vault-csi-provider',
    });
    for (const [key, value] of Object.entries(ds.spec.selector.matchLabels))
      assert.equal(ds.spec.template.metadata.labels[key], value);
  });

  test('DaemonSet: root only for the socket, otherwise locked down', async () => {
    const pod = daemonSet(await render()).spec.template.spec;
    assert.deepEqual(pod.securityContext, { seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(pod.containers[0]!.securityContext, {
      runAsUser: 0,
      runAsNonRoot: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.equal(pod.hostNetwork, undefined);
    assert.equal(pod.hostPID, undefined);
  });

  test('DaemonSet: probes, health/metrics port and resources', async () => {
    const provider = daemonSet(await render()).spec.template.spec.containers[0]!;
    assert.deepEqual(provider.ports, [{ name: 'health', containerPort: 8080, protocol: 'TCP' }]);
    assert.deepEqual(provider.livenessProbe.httpGet, { path: '/health/live', port: 'health' });
    assert.deepEqual(provider.readinessProbe.httpGet, { path: '/health/ready', port: 'health' });
    assert.deepEqual(provider.resources, { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    const service = z
      .object({
        metadata: z.object({ name: z.string() }).loose(),
        spec: z.object({ type: z.string(), selector: z.record(z.string(), z.string()), ports: z.array(z.unknown()) }),
      })
      .parse(only(await render(), 'Service'));
    assert.equal(service.metadata.name, 'vault-csi-provider-metrics');
    assert.equal(service.spec.type, 'ClusterIP');
    assert.deepEqual(service.spec.ports, [{ name: 'metrics', port: 8080, targetPort: 'health', protocol: 'TCP' }]);
    assert.deepEqual(service.spec.selector, daemonSet(await render()).spec.selector.matchLabels);
  });

  test('DaemonSet: the provider flags of the defaults, no env', async () => {
    const provider = daemonSet(await render()).spec.template.spec.containers[0]!;
    assert.deepEqual(provider.args, [
      '--endpoint=/provider/vault.sock',
      '--log-level=info',
      '--health-addr=:8080',
      '--vault-mount=kubernetes',
      '--allowed-tls-file-dirs=/vault/tls',
      '--volume-attribute-overrides=allow',
      '--hmac-key-source=kubernetes-secret',
      '--hmac-secret-name=vault-csi-provider-hmac-key',
      '--max-response-bytes=4194304',
      '--cache-size=1000',
    ]);
    assert.equal(provider.env, undefined);
  });

  test('RBAC: only get on the HMAC Secret and create secrets, in the release namespace; no ClusterRole', async () => {
    const objects = await render();
    assert.deepEqual(find(objects, 'ClusterRole'), []);
    assert.deepEqual(find(objects, 'ClusterRoleBinding'), []);
    assert.deepEqual(rulesShape.parse(only(objects, 'Role')).rules, [
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['vault-csi-provider-hmac-key'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ]);
    const binding = bindingShape.parse(only(objects, 'RoleBinding'));
    assert.deepEqual(binding.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'vault-csi-provider',
    });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'vault-csi-provider', namespace: 'csi' }]);
    assert.equal(daemonSet(objects).spec.template.spec.serviceAccountName, 'vault-csi-provider');
    assert.equal(daemonSet(objects).spec.template.spec.automountServiceAccountToken, true);
  });

  test('no NetworkPolicy, ServiceMonitor or PrometheusRule unless enabled', async () => {
    const objects = await render();
    for (const kind of ['NetworkPolicy', 'ServiceMonitor', 'PrometheusRule'])
      assert.deepEqual(find(objects, kind), [], kind);
  });
});

describe('full values (ci/full-values.yaml)', () => {
  test('render every optional object, all valid', async () => {
    const objects = await render(full);
    assert.deepEqual(kinds(objects), [
      'ClusterRole',
      'ClusterRoleBinding',
      'DaemonSet',
      'NetworkPolicy',
      'PrometheusRule',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
    await validateAll(objects);
    for (const object of objects) {
      assert.equal(object.metadata.labels?.['helm.sh/chart'], 'vault-csi-provider-0.1.0');
      assert.equal(object.metadata.labels.team, 'platform');
    }
  });

  test('every provider flag is set from its value', async () => {
    const ds = daemonSet(await render(full));
    const provider = ds.spec.template.spec.containers[0]!;
    assert.deepEqual(provider.args, [
      '--endpoint=/provider/vault.sock',
      '--log-level=debug',
      '--health-addr=:9090',
      '--vault-addr=https://vault.vault.svc:8200',
      '--vault-namespace=team-a',
      '--vault-mount=kubernetes-prod',
      '--vault-tls-ca-cert=/vault/tls/ca.crt',
      '--vault-tls-ca-directory=/vault/tls',
      '--vault-tls-server-name=vault.vault.svc',
      '--vault-tls-client-cert=/vault/client/tls.crt',
      '--vault-tls-client-key=/vault/client/tls.key',
      '--vault-tls-skip-verify=true',
      '--allowed-vault-addresses=https://vault.vault.svc:8200,https://*.vault.example.com',
      '--allowed-tls-file-dirs=/vault/tls,/vault/client',
      '--volume-attribute-overrides=deny',
      '--hmac-key-source=kubernetes-secret',
      '--hmac-secret-name=my-hmac-key',
      '--token-request-fallback=true',
      '--token-request-audiences=vault,https://vault.example.com',
      '--max-response-bytes=2097152',
      '--cache-size=500',
      '--revoke-leases-of-deleted-pods=true',
      '--state-dir=/var/lib/vault-csi-provider',
      '--state-key-file=/etc/vault-csi-provider/state-key/key',
      '--mount-timeout=60s',
    ]);
    assert.deepEqual(provider.env, [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]);
    assert.deepEqual(provider.ports, [{ name: 'health', containerPort: 9090, protocol: 'TCP' }]);
    assert.equal(provider.image, 'registry.example.com/vault-csi-provider-ts:0.1.0-rc.1');
    assert.equal(provider.imagePullPolicy, 'Always');
    assert.deepEqual(
      provider.volumeMounts.map((mount) => mount.mountPath),
      [
        '/provider',
        '/tmp',
        '/var/lib/vault-csi-provider',
        '/etc/vault-csi-provider/state-key',
        '/vault/tls',
        '/vault/client',
      ],
    );
    const pod = ds.spec.template.spec;
    assert.deepEqual(pod.nodeSelector, { 'kubernetes.io/os': 'linux', 'node-role.example.com/apps': 'true' });
    assert.ok(pod.affinity !== undefined);
    assert.equal(ds.spec.template.metadata.annotations?.['example.com/scrape'], 'true');
    assert.equal(ds.spec.template.metadata.labels.tier, 'node');
    assert.equal(pod.serviceAccountName, 'vault-csi');
  });

  test('ClusterRole holds exactly the TokenRequest and pod-watch rules, bound to the service account', async () => {
    const objects = await render(full);
    assert.deepEqual(rulesShape.parse(only(objects, 'ClusterRole')).rules, [
      { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
    ]);
    const binding = bindingShape.parse(only(objects, 'ClusterRoleBinding'));
    assert.deepEqual(binding.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'csi:full-vault-csi-provider',
    });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'vault-csi', namespace: 'csi' }]);
    assert.deepEqual(rulesShape.parse(only(objects, 'Role')).rules[0]?.resourceNames, ['my-hmac-key']);
  });

  test('NetworkPolicy: egress to DNS, Vault and the API server only; ingress to the health port from metricsFrom', async () => {
    const policy = z
      .object({
        spec: z.object({
          podSelector: z.unknown(),
          policyTypes: z.array(z.string()),
          ingress: z.array(z.unknown()),
          egress: z.array(z.unknown()),
        }),
      })
      .parse(only(await render(full), 'NetworkPolicy'));
    assert.deepEqual(policy.spec.podSelector, {
      matchLabels: { 'app.kubernetes.io/name': 'vault-csi-provider', 'app.kubernetes.io/instance': 'full' },
    });
    assert.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(policy.spec.ingress, [
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ port: 'health', protocol: 'TCP' }],
      },
    ]);
    assert.deepEqual(policy.spec.egress, [
      {
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
      },
      {
        to: [
          { ipBlock: { cidr: '10.20.0.0/16' } },
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vault' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vault' } },
          },
        ],
        ports: [{ port: 8200, protocol: 'TCP' }],
      },
      {
        to: [{ ipBlock: { cidr: '10.0.0.1/32' } }],
        ports: [
          { port: 443, protocol: 'TCP' },
          { port: 6443, protocol: 'TCP' },
        ],
      },
    ]);
  });

  test('ServiceMonitor scrapes the metrics port of the Service, PrometheusRule has the six alerts', async () => {
    const objects = await render(full);
    const monitor = serviceMonitorSchema.parse(only(objects, 'ServiceMonitor'));
    assert.deepEqual(monitor.spec.endpoints, [
      { port: 'metrics', path: '/metrics', interval: '15s', scrapeTimeout: '5s' },
    ]);
    assert.equal(monitor.metadata.labels.release, 'prometheus');
    const service = only(objects, 'Service');
    assert.deepEqual(
      monitor.spec.selector.matchLabels,
      z.object({ spec: z.object({ selector: z.record(z.string(), z.string()) }) }).parse(service).spec.selector,
    );
    const rule = prometheusRuleSchema.parse(only(objects, 'PrometheusRule'));
    const alerts = rule.spec.groups.flatMap((group) => group.rules);
    assert.deepEqual(
      alerts.map((alert) => alert.alert),
      [
        'VaultCSIProviderMountsFailing',
        'VaultCSIProviderVaultUnreachable',
        'VaultCSIProviderLoginFailures',
        'VaultCSIProviderLeaseRenewalsFailing',
        'VaultCSIProviderLeaseNearExpiry',
        'VaultCSIProviderDown',
      ],
    );
    for (const alert of alerts) {
      assert.equal(alert.labels.severity, 'critical');
      assert.match(
        alert.expr,
        /job="full-vault-csi-provider-metrics", namespace="csi"/,
        'scoped to the Service the ServiceMonitor scrapes',
      );
      assert.match(alert.annotations.summary, /\{\{ \$labels\.pod \}\}/, 'Prometheus templates survive helm');
    }
    assert.match(alerts[0]!.expr, /vault_csi_provider_mount_requests_total\{[^}]*result!="ok"/);
    assert.match(alerts[1]!.expr, /vault_csi_provider_vault_requests_total\{[^}]*status=~"error\|503"/);
    assert.match(alerts[2]!.expr, /vault_csi_provider_vault_logins_total\{[^}]*result!="ok"/);
    assert.match(alerts[3]!.expr, /vault_csi_provider_lease_renewal_failures_total\{/);
    assert.match(alerts[4]!.expr, /vault_csi_provider_lease_seconds_to_expiry\{[^}]*\}\) < 300/);
    assert.match(alerts[4]!.expr, /vault_csi_provider_leases_held\{[^}]*\}\) > 0/, 'no alert when nothing is cached');
    assert.match(alerts[5]!.expr, /^up\{[^}]*\} == 0$/m);
  });
});

describe('features switch their own permissions', () => {
  test('tokenRequestFallback alone: ClusterRole with only serviceaccounts/token create', async () => {
    const objects = await render({ set: ['tokenRequestFallback.enabled=true'] });
    assert.deepEqual(rulesShape.parse(only(objects, 'ClusterRole')).rules, [
      { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
    ]);
    assert.equal(only(objects, 'ClusterRoleBinding').metadata.name, 'csi:vault-csi-provider');
    const provider = daemonSet(objects).spec.template.spec.containers[0]!;
    assert.equal(provider.env, undefined);
    assert.ok(!provider.args.includes('--revoke-leases-of-deleted-pods=true'));
    assert.ok(provider.args.includes('--token-request-fallback=true'));
    assert.ok(provider.args.includes('--token-request-audiences=vault'), 'only the default audience');
    assert.ok(!provider.args.includes('--hmac-key-source=random'), 'the HMAC key still comes from the Secret');
  });

  test('tokenRequestFallback without a shared HMAC key: the provider is told the key is random', async () => {
    const objects = await render({ set: ['tokenRequestFallback.enabled=true', 'hmac.fromKubernetesSecret=false'] });
    assert.equal(find(objects, 'Role').length, 0);
    const args = daemonSet(objects).spec.template.spec.containers[0]!.args;
    assert.ok(args.includes('--hmac-key-source=random'), 'else auto would try the Secret it may not read');
  });

  test('leaseRevocation alone: ClusterRole with only pods list/watch, NODE_NAME and the flag', async () => {
    const objects = await render({ set: ['leaseRevocation.enabled=true'] });
    assert.deepEqual(rulesShape.parse(only(objects, 'ClusterRole')).rules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
    ]);
    const provider = daemonSet(objects).spec.template.spec.containers[0]!;
    assert.deepEqual(provider.env, [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]);
    assert.ok(provider.args.includes('--revoke-leases-of-deleted-pods=true'));
    await validateAll(objects);
  });

  test('no Kubernetes feature: no RBAC at all, no API token in the pod, no API server egress', async () => {
    const objects = await render({
      set: [
        'hmac.fromKubernetesSecret=false',
        'hmac.keyFile=/hmac/key',
        'networkPolicy.enabled=true',
        'networkPolicy.vaultCIDRs={192.0.2.10/32}',
      ],
    });
    assert.deepEqual(kinds(objects), ['DaemonSet', 'NetworkPolicy', 'Service', 'ServiceAccount']);
    const pod = daemonSet(objects).spec.template.spec;
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(only(objects, 'ServiceAccount').automountServiceAccountToken, false);
    const args = pod.containers[0]!.args;
    assert.ok(args.includes('--hmac-key-file=/hmac/key'));
    assert.ok(!args.some((arg) => arg.startsWith('--hmac-secret-name')));
    const policy = z
      .object({ spec: z.object({ ingress: z.array(z.unknown()), egress: z.array(z.unknown()) }) })
      .parse(only(objects, 'NetworkPolicy'));
    assert.deepEqual(policy.spec.ingress, [], 'no metricsFrom: no ingress');
    assert.deepEqual(policy.spec.egress, [
      {
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
      { to: [{ ipBlock: { cidr: '192.0.2.10/32' } }], ports: [{ port: 8200, protocol: 'TCP' }] },
    ]);
    await validateAll(objects);
  });

  test('hmac.keyFile wins over fromKubernetesSecret: the file flag, and no Secret permission', async () => {
    const objects = await render({ set: ['hmac.keyFile=/hmac/key'] });
    assert.deepEqual(find(objects, 'Role'), []);
    const pod = daemonSet(objects).spec.template.spec;
    assert.equal(pod.automountServiceAccountToken, false);
    const args = pod.containers[0]!.args;
    assert.ok(args.includes('--hmac-key-source=file') && args.includes('--hmac-key-file=/hmac/key'));
    assert.ok(!args.some((arg) => arg.startsWith('--hmac-secret-name')));
  });

  test('cluster-scoped names carry the release namespace: two releases of one name do not collide', async () => {
    const set = ['leaseRevocation.enabled=true'];
    const [a, b] = await Promise.all([render({ set, namespace: 'team-a' }), render({ set, namespace: 'team-b' })]);
    assert.equal(only(a, 'ClusterRole').metadata.name, 'team-a:vault-csi-provider');
    assert.equal(only(b, 'ClusterRole').metadata.name, 'team-b:vault-csi-provider');
    assert.equal(bindingShape.parse(only(b, 'ClusterRoleBinding')).roleRef.name, 'team-b:vault-csi-provider');
  });

  for (const flag of [
    '--revoke-leases-of-deleted-pods',
    '-node-name=node-1',
    '--token-request-fallback=true',
    '--hmac-key-source=kubernetes-secret',
    '--hmac-secret-name=other',
    '--hmac-key-file=/k',
  ]) {
    test(`extraArgs ${flag} is refused: its value grants the permissions with the flag`, async () => {
      const result = await helm(templateArgs({ set: [`extraArgs[0]=${flag}`] }));
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /extraArgs: ".*" is set by the chart value [a-zA-Z.]+/);
    });
  }

  test('ServiceMonitor and PrometheusRule only where the cluster serves their API', async () => {
    const objects = await render({ valuesFiles: [FULL_VALUES], release: 'full' });
    assert.deepEqual(find(objects, 'ServiceMonitor'), []);
    assert.deepEqual(find(objects, 'PrometheusRule'), []);
  });

  test('NetworkPolicy without any Vault destination is refused', async () => {
    const result = await helm(templateArgs({ set: ['networkPolicy.enabled=true'] }));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /networkPolicy\.vaultCIDRs or networkPolicy\.vaultPeers/);
  });

  test('NetworkPolicy with a Kubernetes feature but no API server CIDRs is refused: no open 443/6443', async () => {
    // The defaults read the HMAC key Secret, so the provider talks to the API server.
    const result = await helm(
      templateArgs({ set: ['networkPolicy.enabled=true', 'networkPolicy.vaultCIDRs={192.0.2.10/32}'] }),
    );
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /needs networkPolicy\.apiServerCIDRs/);
    const objects = await render({
      set: [
        'networkPolicy.enabled=true',
        'networkPolicy.vaultCIDRs={192.0.2.10/32}',
        'networkPolicy.apiServerCIDRs={192.0.2.1/32}',
      ],
    });
    const egress = z
      .object({ spec: z.object({ egress: z.array(z.object({ to: z.array(z.unknown()).optional() }).loose()) }) })
      .parse(only(objects, 'NetworkPolicy')).spec.egress;
    // DNS may go anywhere on port 53 (no dnsPeers); every other rule names its destinations.
    assert.deepEqual(
      egress.slice(1).map((rule) => rule.to),
      [[{ ipBlock: { cidr: '192.0.2.10/32' } }], [{ ipBlock: { cidr: '192.0.2.1/32' } }]],
    );
  });

  test('security values: the address allowlist defaults to vault.address; opting out is explicit', async () => {
    const args = async (set: string[]) => daemonSet(await render({ set })).spec.template.spec.containers[0]!.args;
    const withAddress = await args(['vault.address=https://vault.vault.svc:8200']);
    assert.ok(withAddress.includes('--allowed-vault-addresses=https://vault.vault.svc:8200'), withAddress.join(' '));
    const listed = await args([
      'vault.address=https://vault.vault.svc:8200',
      'security.allowedVaultAddresses={https://gateway.example.com/vault/}',
    ]);
    assert.ok(listed.includes('--allowed-vault-addresses=https://gateway.example.com/vault/'));
    const open = await args(['vault.address=https://vault.vault.svc:8200', 'security.allowAnyVaultAddress=true']);
    assert.ok(!open.some((arg) => arg.startsWith('--allowed-vault-addresses')));
    const anyFile = await args(['security.allowedTlsFileDirs=null', 'security.volumeAttributeOverrides=ignore']);
    assert.ok(!anyFile.some((arg) => arg.startsWith('--allowed-tls-file-dirs')));
    assert.ok(anyFile.includes('--volume-attribute-overrides=ignore'));
  });

  test('NOTES warn when the provider runs without an address allowlist, and only then', async () => {
    // helm template leaves NOTES out; a client-side dry run prints them without a cluster.
    const notes = async (set: string[]) => {
      const result = await helm([
        'install',
        'notes',
        CHART_DIR,
        '--namespace',
        'csi',
        '--dry-run=client',
        ...set.flatMap((expression) => ['--set', expression]),
      ]);
      assert.equal(result.code, 0, result.stderr);
      return result.stdout.slice(result.stdout.indexOf('NOTES:'));
    };
    assert.match(await notes([]), /WARNING: no Vault address allowlist/);
    assert.match(
      await notes(['vault.address=https://v:8200', 'security.allowAnyVaultAddress=true']),
      /WARNING: no Vault address allowlist[\s\S]*security\.allowAnyVaultAddress is true/,
    );
    assert.doesNotMatch(await notes(['vault.address=https://v:8200']), /WARNING: no Vault address allowlist/);
    assert.match(await notes(['security.allowedTlsFileDirs=null']), /WARNING: security\.allowedTlsFileDirs is empty/);
  });
});

describe('values.schema.json', () => {
  const rejected: readonly [string, RegExp][] = [
    ['nonsense=1', /additional properties 'nonsense' not allowed/],
    ['vault.adress=https://vault:8200', /additional properties 'adress' not allowed/],
    ['monitoring.serviceMonitor.enable=true', /additional properties 'enable' not allowed/],
    ['logLevel=verbose', /logLevel/],
    ['healthAddr=8080', /healthAddr/],
    ['cacheSize=-1', /cacheSize/],
    ['tokenRequestFallback.audiences={a\\,b}', /audiences/],
    ['security.volumeAttributeOverrides=maybe', /volumeAttributeOverrides/],
    ['security.allowedVaultAddresses={vault:8200}', /allowedVaultAddresses/],
    ['security.allowedTlsFileDirs={relative}', /allowedTlsFileDirs/],
  ];
  for (const [expression, message] of rejected) {
    test(`helm template --set ${expression} fails`, async () => {
      const result = await helm(templateArgs({ set: [expression] }));
      assert.notEqual(result.code, 0, 'rendered despite the schema');
      assert.match(result.stderr, message);
    });
  }

  test('a parent chart may pass global values', async () => {
    assert.equal((await render({ set: ['global.imageRegistry=example.com'] })).length, 5);
  });
});
