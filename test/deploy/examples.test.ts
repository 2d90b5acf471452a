/**
 * deploy/examples: every manifest parses and validates; the SecretProviderClasses use only the
 * parameters and object fields of hashicorp/vault-csi-provider, so they work with either provider.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import * as z from 'zod';
import { CONNECTION_PARAMETERS } from '../../src/mount/spec/parameter-names.js';
import { REPO_ROOT, parseObjects, validateBuiltIn, type KubeObject } from '../support/kube-tools.js';

const EXAMPLES = join(REPO_ROOT, 'deploy', 'examples');

async function load(name: string): Promise<KubeObject[]> {
  return parseObjects(await readFile(join(EXAMPLES, name), 'utf8'));
}

/** SPC parameters understood by the Go provider (pod keys are added by the driver). */
const PARAMETERS: readonly string[] = [...CONNECTION_PARAMETERS, 'objects'];

const objectEntry = z.strictObject({
  objectName: z
    .string()
    .min(1)
    .refine((name) => !name.startsWith('/') && !name.split('/').includes('..'), 'relative path without ..'),
  secretPath: z.string().min(1),
  secretKey: z.string().min(1).optional(),
  method: z.enum(['GET', 'PUT', 'POST']).optional(),
  secretArgs: z.record(z.string(), z.unknown()).optional(),
  filePermission: z.number().int().min(0).max(0o777).optional(),
  encoding: z.enum(['utf-8', 'base64', 'hex']).optional(),
});

const secretProviderClass = z.object({
  apiVersion: z.literal('secrets-store.csi.x-k8s.io/v1'),
  kind: z.literal('SecretProviderClass'),
  metadata: z.object({ name: z.string().min(1), namespace: z.string().min(1) }).loose(),
  spec: z.strictObject({
    provider: z.literal('vault'),
    parameters: z
      .record(z.string(), z.string())
      .refine(
        (parameters) => Object.keys(parameters).every((key) => PARAMETERS.includes(key)),
        'only Go-provider parameters',
      )
      .refine(
        (parameters) => typeof parameters.roleName === 'string' && typeof parameters.objects === 'string',
        'roleName and objects are required',
      ),
    secretObjects: z.array(z.unknown()).optional(),
  }),
});

/** `objects` as the Go provider reads it: yaml.v3, where `0600` is octal (YAML 1.1). */
function parseObjectsParameter(text: string): z.infer<typeof objectEntry>[] {
  const list: unknown = parse(text, { version: '1.1' });
  assert.ok(Array.isArray(list), 'objects is a YAML list');
  const entries = list.map((entry) => objectEntry.parse(entry));
  const names = entries.map((entry) => entry.objectName);
  assert.equal(new Set(names).size, names.length, 'objectName values are unique');
  return entries;
}

async function spc(
  name: string,
): Promise<{ spc: z.infer<typeof secretProviderClass>; objects: z.infer<typeof objectEntry>[] }> {
  const documents = await load(name);
  assert.equal(documents.length, 1);
  const parsed = secretProviderClass.parse(documents[0]);
  return { spc: parsed, objects: parseObjectsParameter(parsed.spec.parameters.objects ?? '') };
}

describe('SecretProviderClass examples', () => {
  test('spc-kv.yaml: kv v2 with secretKey, kv v1, whole secret, file mode 0600, base64', async () => {
    const { spc: kv, objects } = await spc('spc-kv.yaml');
    assert.equal(kv.spec.parameters.audience, 'vault');
    const byName = new Map(objects.map((entry) => [entry.objectName, entry]));
    assert.deepEqual(byName.get('db-password'), {
      objectName: 'db-password',
      secretPath: 'secret/data/app/db',
      secretKey: 'password',
    });
    assert.equal(byName.get('legacy-token')?.secretPath, 'kv/app/legacy');
    assert.equal(byName.get('app-config.json')?.secretKey, undefined, 'whole secret');
    assert.equal(byName.get('tls.key')?.filePermission, 0o600);
    assert.equal(byName.get('keystore.p12')?.encoding, 'base64');
  });

  test('spc-database.yaml: username and password from one database/creds/app read', async () => {
    const { objects } = await spc('spc-database.yaml');
    assert.deepEqual(
      objects.map((entry) => [entry.objectName, entry.secretPath, entry.secretKey]),
      [
        ['db-username', 'database/creds/app', 'username'],
        ['db-password', 'database/creds/app', 'password'],
      ],
    );
  });

  test('spc-pki.yaml: PUT to pki/issue with common_name and ttl', async () => {
    const { objects } = await spc('spc-pki.yaml');
    assert.ok(objects.length >= 2);
    for (const entry of objects) {
      assert.equal(entry.method, 'PUT');
      assert.equal(entry.secretPath, 'pki/issue/app');
      assert.deepEqual(entry.secretArgs, { common_name: 'app.app.svc.cluster.local', ttl: '24h' });
    }
    assert.deepEqual(
      objects.map((entry) => entry.secretKey),
      ['certificate', 'private_key', 'issuing_ca'],
    );
  });

  test('the schema rejects what the driver or provider would', () => {
    const good = {
      apiVersion: 'secrets-store.csi.x-k8s.io/v1',
      kind: 'SecretProviderClass',
      metadata: { name: 'x', namespace: 'y' },
      spec: { provider: 'vault', parameters: { roleName: 'r', objects: '- objectName: a\n  secretPath: p\n' } },
    };
    assert.doesNotThrow(() => secretProviderClass.parse(good));
    assert.throws(() => secretProviderClass.parse({ ...good, spec: { ...good.spec, provider: 'aws' } }));
    assert.throws(() =>
      secretProviderClass.parse({
        ...good,
        spec: { ...good.spec, parameters: { ...good.spec.parameters, vaultSkipTLSVerify: true } },
      }),
    );
    assert.throws(() => parseObjectsParameter('objectName: a'), /YAML list/);
    assert.throws(() => parseObjectsParameter('- objectName: a\n  secretPath: p\n  secretkey: typo\n'));
    assert.throws(
      () => parseObjectsParameter('- objectName: a\n  secretPath: p\n- objectName: a\n  secretPath: q\n'),
      /unique/,
    );
  });
});

describe('pod and CSIDriver examples', () => {
  test('pod.yaml: valid ServiceAccount and Pod with a read-only inline CSI volume naming an example SPC', async () => {
    const objects = await load('pod.yaml');
    assert.deepEqual(
      objects.map((object) => object.kind),
      ['ServiceAccount', 'Pod'],
    );
    for (const object of objects) await validateBuiltIn(object);
    const pod = z
      .object({
        metadata: z.object({ namespace: z.string() }).loose(),
        spec: z
          .object({
            serviceAccountName: z.string(),
            containers: z.array(
              z
                .object({
                  volumeMounts: z.array(z.object({ name: z.string(), readOnly: z.boolean().optional() }).loose()),
                })
                .loose(),
            ),
            volumes: z.array(
              z.object({
                name: z.string(),
                csi: z.object({
                  driver: z.string(),
                  readOnly: z.boolean(),
                  volumeAttributes: z.record(z.string(), z.string()),
                }),
              }),
            ),
          })
          .loose(),
      })
      .parse(objects[1]);
    const [volume] = pod.spec.volumes;
    assert.ok(volume);
    assert.equal(volume.csi.driver, 'secrets-store.csi.k8s.io');
    assert.equal(volume.csi.readOnly, true);
    assert.equal(pod.spec.containers[0]?.volumeMounts.find((mount) => mount.name === volume.name)?.readOnly, true);
    const named = (await spc('spc-kv.yaml')).spc;
    assert.equal(volume.csi.volumeAttributes.secretProviderClass, named.metadata.name);
    assert.equal(pod.metadata.namespace, named.metadata.namespace, 'the SPC is looked up in the pod namespace');
    assert.equal(pod.spec.serviceAccountName, objects[0]?.metadata.name);
  });

  test('csidriver-token-requests.yaml: tokens for audience vault, pod info, republish', async () => {
    const objects = await load('csidriver-token-requests.yaml');
    assert.equal(objects.length, 1);
    const driver = objects[0]!;
    await validateBuiltIn(driver);
    assert.equal(driver.metadata.name, 'secrets-store.csi.k8s.io');
    const spec = z
      .object({
        podInfoOnMount: z.boolean(),
        requiresRepublish: z.boolean(),
        tokenRequests: z.array(z.object({ audience: z.string() })),
      })
      .loose()
      .parse(driver.spec);
    assert.deepEqual(spec.tokenRequests, [{ audience: 'vault' }]);
    assert.equal(spec.podInfoOnMount, true);
    assert.equal(spec.requiresRepublish, true);
  });

  test('vault-setup.sh: valid sh, binds the role to audience vault', async () => {
    const script = join(EXAMPLES, 'vault-setup.sh');
    await promisify(execFile)('sh', ['-n', script]);
    const text = await readFile(script, 'utf8');
    for (const needed of [
      /vault auth enable kubernetes/,
      /auth\/kubernetes\/config[\s\S]*kubernetes_host=[\s\S]*issuer=/,
      /vault policy write app/,
      /bound_service_account_names=/,
      /bound_service_account_namespaces=/,
      /audience=vault/,
      /vault kv put/,
    ]) {
      assert.match(text, needed);
    }
  });

  test('every example file is covered above', async () => {
    assert.deepEqual((await readdir(EXAMPLES)).sort(), [
      'csidriver-token-requests.yaml',
      'pod.yaml',
      'spc-database.yaml',
      'spc-kv.yaml',
      'spc-pki.yaml',
      'vault-setup.sh',
    ]);
  });
});
