/**
 * Chart and provider agree on flags: every argument the chart renders, for default, full and
 * per-feature values, is accepted by the provider's own flag parser (`loadCommand`, with the
 * container's env as kubelet fills it: NODE_NAME from the downward API), so a
 * renamed or removed flag fails here instead of crash-looping a DaemonSet.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as z from 'zod';
import { FLAGS, loadCommand } from '../../src/config/provider-config.js';
import { FULL_VALUES, helmTemplate, type KubeObject, type TemplateOptions } from '../support/kube-tools.js';

const Args = z.object({
  spec: z.object({
    template: z.object({
      spec: z.object({
        containers: z.array(
          z.object({
            args: z.array(z.string()),
            env: z
              .array(
                z.object({
                  name: z.string(),
                  value: z.string().optional(),
                  valueFrom: z.object({ fieldRef: z.object({ fieldPath: z.string() }).optional() }).optional(),
                }),
              )
              .optional(),
          }),
        ),
      }),
    }),
  }),
});

/** The container's args, and its environment as kubelet would fill it (downward API → a sample value). */
function providerCommand(objects: readonly KubeObject[]): { args: string[]; env: Record<string, string> } {
  const daemonSet = objects.find((object) => object.kind === 'DaemonSet');
  const container = Args.parse(daemonSet).spec.template.spec.containers[0];
  assert.ok(container !== undefined, 'the DaemonSet has the provider container');
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
    env[variable.name] = variable.value ?? (fieldPath === undefined ? '' : `sample-${fieldPath}`);
  }
  return { args: container.args, env };
}

const RENDERS: readonly [string, TemplateOptions][] = [
  ['default values', {}],
  ['full values', { valuesFiles: [FULL_VALUES], release: 'full' }],
  [
    'no shared HMAC key, TokenRequest fallback',
    { set: ['hmac.fromKubernetesSecret=false', 'tokenRequestFallback.enabled=true'] },
  ],
];

for (const [label, options] of RENDERS) {
  test(`${label}: the provider's flag parser accepts every rendered argument`, async () => {
    const { args, env } = providerCommand(await helmTemplate(options));
    for (const arg of args) {
      const name = /^--?([^=]+)/.exec(arg)?.[1] ?? arg;
      assert.ok(name in FLAGS, `the chart renders ${arg} but the provider has no -${name}`);
    }
    assert.equal(loadCommand(args, env).kind, 'serve');
  });
}
