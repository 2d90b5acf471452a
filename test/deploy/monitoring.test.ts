/**
 * The Grafana dashboard and the PrometheusRule may only query metrics the provider exports
 * (`createMetrics()`, default process metrics included).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as z from 'zod';
import { createMetrics } from '../../src/observability/metrics.js';
import { FULL_VALUES, PROMETHEUS_OPERATOR_APIS, REPO_ROOT, helmTemplate } from '../support/kube-tools.js';

const DASHBOARD = join(REPO_ROOT, 'deploy', 'monitoring', 'grafana-dashboard.json');

/** Every series name the registry exposes, histogram and summary suffixes included. */
async function exportedSeries(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await createMetrics().registry.getMetricsAsJSON()) {
    names.add(metric.name);
    const type = String(metric.type);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

/** PromQL functions and aggregations these expressions may call (a typo there fails too). */
const FUNCTIONS = new Set([
  'abs',
  'absent',
  'avg',
  'avg_over_time',
  'ceil',
  'clamp_max',
  'clamp_min',
  'count',
  'delta',
  'deriv',
  'floor',
  'group',
  'histogram_quantile',
  'increase',
  'irate',
  'label_replace',
  'max',
  'max_over_time',
  'min',
  'min_over_time',
  'quantile',
  'rate',
  'round',
  'scalar',
  'sort',
  'sort_desc',
  'stddev',
  'sum',
  'sum_over_time',
  'time',
  'topk',
  'bottomk',
  'vector',
]);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** Metric names referenced by a PromQL expression (Grafana variables allowed). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // string literals
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\{?\w+\}?/g, ' ') // Grafana variables
    .replace(/\b\d+(\.\d+)?([eE][+-]?\d+)?\b/g, ' '); // numbers
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const isCall = /^\s*\(/.test(stripped.slice(match.index + word.length));
    if (isCall) {
      assert.ok(FUNCTIONS.has(word), `unknown PromQL function ${word} in: ${expr}`);
    } else if (!KEYWORDS.has(word.toLowerCase())) {
      names.push(word);
    }
  }
  return names;
}

function collectStrings(value: unknown, key: string, into: string[]): string[] {
  if (Array.isArray(value)) for (const item of value) collectStrings(item, key, into);
  else if (value !== null && typeof value === 'object') {
    for (const [field, child] of Object.entries(value)) {
      if (field === key && typeof child === 'string') into.push(child);
      else collectStrings(child, key, into);
    }
  }
  return into;
}

const dashboardSchema = z.object({
  title: z.string().min(1),
  uid: z.string().min(1),
  schemaVersion: z.number().int(),
  templating: z.object({
    list: z.array(z.object({ name: z.string(), type: z.string(), definition: z.string().optional() }).loose()),
  }),
  panels: z
    .array(
      z
        .object({
          id: z.number().int(),
          type: z.string(),
          title: z.string().min(1),
          gridPos: z.object({
            h: z.number(),
            w: z.number().max(24),
            x: z.number().min(0).max(23),
            y: z.number().min(0),
          }),
          targets: z.array(z.object({ expr: z.string().min(1), refId: z.string() }).loose()).optional(),
        })
        .loose(),
    )
    .min(1),
});

describe('metric-name extraction', () => {
  test('finds metrics, skips functions, labels, strings, ranges and variables', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.95, sum by (le, result) (rate(a_bucket{namespace=~"$namespace", x="b_c"}[$__rate_interval]))) / on(pod) b > 0',
      ),
      ['a_bucket', 'b'],
    );
    assert.deepEqual(metricNames('up{job="x"} == 0'), ['up']);
    assert.throws(() => metricNames('rat(x[5m])'), /unknown PromQL function rat/);
  });
});

describe('Grafana dashboard', () => {
  test('parses, has unique panel ids and the required panels', async () => {
    const dashboard = dashboardSchema.parse(JSON.parse(await readFile(DASHBOARD, 'utf8')));
    const ids = dashboard.panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    const exprs = collectStrings(dashboard.panels, 'expr', []).join('\n');
    for (const needed of [
      /rate\(vault_csi_provider_mount_requests_total\{/,
      /histogram_quantile\([^,]+, sum by \(le, result\) \(rate\(vault_csi_provider_mount_duration_seconds_bucket/,
      /sum by \(operation, status\) \(rate\(vault_csi_provider_vault_requests_total/,
      /histogram_quantile\([^,]+, sum by \(le, operation\) \(rate\(vault_csi_provider_vault_request_duration_seconds_bucket/,
      /sum by \(result\) \(rate\(vault_csi_provider_vault_logins_total/,
      /vault_csi_provider_token_cache_lookups_total\{[^}]*result="hit"/,
      /sum by \(source\) \(rate\(vault_csi_provider_objects_served_total/,
      /vault_csi_provider_mounts_in_flight/,
    ]) {
      assert.match(exprs, needed);
    }
    assert.ok(
      dashboard.templating.list.some((variable) => variable.name === 'datasource' && variable.type === 'datasource'),
      'data source is a variable',
    );
  });

  test('every metric in its queries exists in createMetrics()', async () => {
    const exported = await exportedSeries();
    const dashboard: unknown = JSON.parse(await readFile(DASHBOARD, 'utf8'));
    const exprs = collectStrings(dashboard, 'expr', []);
    assert.ok(exprs.length >= 15, `${exprs.length} queries`);
    const referenced = new Set(exprs.flatMap(metricNames));
    for (const definition of collectStrings(dashboard, 'definition', [])) {
      const match = /^label_values\(\s*([a-zA-Z_:][\w:]*)/.exec(definition);
      assert.ok(match?.[1], `template query ${definition}`);
      referenced.add(match[1]);
    }
    const unknown = [...referenced].filter((name) => !exported.has(name));
    assert.deepEqual(unknown, [], 'metrics not exported by the provider');
    assert.ok(referenced.size >= 10, [...referenced].join(', '));
  });
});

describe('PrometheusRule', () => {
  test('every metric in its alert expressions exists in createMetrics() (or is up)', async () => {
    const exported = await exportedSeries();
    exported.add('up');
    const objects = await helmTemplate({ valuesFiles: [FULL_VALUES], apiVersions: PROMETHEUS_OPERATOR_APIS });
    const rule = objects.find((object) => object.kind === 'PrometheusRule');
    assert.ok(rule, 'rendered with full values');
    const exprs = collectStrings(rule, 'expr', []);
    assert.equal(exprs.length, 6);
    const referenced = new Set(exprs.flatMap(metricNames));
    assert.deepEqual([...referenced].sort(), [
      'up',
      'vault_csi_provider_lease_renewal_failures_total',
      'vault_csi_provider_lease_seconds_to_expiry',
      'vault_csi_provider_leases_held',
      'vault_csi_provider_mount_requests_total',
      'vault_csi_provider_vault_logins_total',
      'vault_csi_provider_vault_requests_total',
    ]);
    for (const name of referenced) assert.ok(exported.has(name), name);
  });
});
