/**
 * deploy/kubernetes is generated from the chart's default render (namespace csi) and must not
 * drift from it. Regenerate: node --import tsx test/support/kube-tools.ts --render-manifests
 */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import {
  MANIFESTS_DIR,
  helmTemplate,
  kubectl,
  parseObjects,
  plainNamespace,
  renderPlainManifests,
  validateBuiltIn,
  type KubeObject,
} from '../support/kube-tools.js';

const regenerate = 'run: node --import tsx test/support/kube-tools.ts --render-manifests';

function key(object: KubeObject): string {
  return `${object.apiVersion} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
function byKey(objects: readonly KubeObject[]): Map<string, KubeObject> {
  return new Map(objects.map((object) => [key(object), object]));
}

test('deploy/kubernetes holds exactly the generated files, equal as parsed YAML', async () => {
  const expected = await renderPlainManifests();
  const actual = (await readdir(MANIFESTS_DIR))
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort();
  assert.deepEqual(actual, [...expected.keys()].sort(), `file list differs; ${regenerate}`);
  for (const [name, text] of expected) {
    const onDisk = await readFile(join(MANIFESTS_DIR, name), 'utf8');
    assert.deepEqual(parse(onDisk), parse(text), `${name} drifted from the chart; ${regenerate}`);
  }
});

test('the plain objects are the default helm render plus the csi Namespace', async () => {
  const files = (await readdir(MANIFESTS_DIR)).filter(
    (name) => name.endsWith('.yaml') && name !== 'kustomization.yaml',
  );
  const plain: KubeObject[] = [];
  for (const name of files) plain.push(...parseObjects(await readFile(join(MANIFESTS_DIR, name), 'utf8')));
  const rendered = [plainNamespace(), ...(await helmTemplate())];
  assert.deepEqual(byKey(plain), byKey(rendered));
  for (const object of plain) await validateBuiltIn(object);
});

test('kubectl kustomize deploy/kubernetes renders the same objects', async () => {
  const result = await kubectl(['kustomize', MANIFESTS_DIR]);
  assert.equal(result.code, 0, result.stderr);
  const kustomized = parseObjects(result.stdout);
  const rendered = [plainNamespace(), ...(await helmTemplate())];
  assert.deepEqual(byKey(kustomized), byKey(rendered));
  const kustomization = parse(await readFile(join(MANIFESTS_DIR, 'kustomization.yaml'), 'utf8')) as {
    namespace?: unknown;
    resources?: unknown;
  };
  assert.equal(kustomization.namespace, 'csi');
  assert.equal(
    kustomization.resources && Array.isArray(kustomization.resources) ? kustomization.resources[0] : undefined,
    'namespace.yaml',
    'Namespace first',
  );
});
