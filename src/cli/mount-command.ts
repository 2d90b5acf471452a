/**
 * `vault-csi-provider mount`: debug a SecretProviderClass on a node without starting a pod. Calls
 * a running provider exactly as the Secrets Store CSI driver v1.6 does (attributes overlay, pod
 * keys, tokens JSON, secrets "null", permission "420", `:authority` localhost) and writes the
 * files as the driver does (path validation, atomic `..data` swap, modes), using the same code as
 * the test emulator (`src/cli/driver/`). Prints file names, modes, sizes and versions; never
 * contents or the token.
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { parseDurationMs } from '../go-compat/parse-duration.js';
import { goFileModeToUnix } from './driver/atomic-writer.js';
import { DriverMountError } from './driver/driver-errors.js';
import {
  buildDriverMountRequest,
  buildNodePublishContext,
  secretProviderClassProblem,
  type DriverPod,
  type TokenRequestStatus,
} from './driver/mount-request.js';
import { ProviderClient } from './driver/provider-client.js';
import { publishVolume } from './driver/publish-volume.js';
import { readSecretProviderClass, SpcFileError } from './spc-file.js';

const DEFAULT_SOCKET = '/var/run/secrets-store-csi-providers/vault.sock';

const USAGE = `Usage: vault-csi-provider mount --spc FILE --pod NAMESPACE/NAME[/UID] --target DIR [options]

Calls a running provider exactly as the Secrets Store CSI driver does and writes the files into
DIR as the driver would (atomic ..data swap, file modes). Prints names, modes, sizes, versions.

  --socket PATH           provider socket (default ${DEFAULT_SOCKET})
  --spc FILE              SecretProviderClass manifest (YAML, as applied with kubectl)
  --spc-name NAME         which SecretProviderClass of FILE (default: the first)
  --pod NS/NAME[/UID]     the pod to mount for; without UID a random one is used
  --service-account NAME  the pod's service account (default "default")
  --token-file FILE       the pod's service-account JWT, e.g. from
                          kubectl -n NS create token NAME --audience vault
                          (without it the driver sends no token: only -token-request-fallback helps)
  --audience NAME         the audience the token is passed under (default "vault")
  --tokens-in-secrets     pass tokens in the request's secrets (CSIDriver serviceAccountTokenInSecrets)
  --attribute KEY=VALUE   a volumeAttribute of the pod's CSI volume (repeatable)
  --target DIR            where to write the files (created if missing)
  --timeout DURATION      deadline of the call (default 2m, kubelet's)
`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface MountCommandOptions {
  socket: string;
  spcFile: string;
  spcName?: string;
  pod: DriverPod;
  tokenFile?: string;
  audience: string;
  tokensInSecrets: boolean;
  attributes: Record<string, string>;
  target: string;
  timeoutMs: number;
}

function parseOptions(argv: readonly string[]): MountCommandOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        socket: { type: 'string', default: DEFAULT_SOCKET },
        spc: { type: 'string' },
        'spc-name': { type: 'string' },
        pod: { type: 'string' },
        'service-account': { type: 'string', default: 'default' },
        'token-file': { type: 'string' },
        audience: { type: 'string', default: 'vault' },
        'tokens-in-secrets': { type: 'boolean', default: false },
        attribute: { type: 'string', multiple: true, default: [] },
        target: { type: 'string' },
        // Kubelet's timeout around NodePublishVolume.
        timeout: { type: 'string', default: '2m' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return 'help';
  const required = (name: 'spc' | 'pod' | 'target'): string => {
    const value = values[name];
    if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
    return value;
  };
  const podParts = required('pod').split('/');
  const [namespace, name, uid] = podParts;
  if (podParts.length < 2 || podParts.length > 3 || namespace === '' || name === '' || uid === '') {
    throw new UsageError('--pod must be NAMESPACE/NAME or NAMESPACE/NAME/UID');
  }
  const attributes: Record<string, string> = {};
  for (const pair of values.attribute) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`--attribute must be KEY=VALUE, got "${pair.split('=')[0] ?? ''}"`);
    attributes[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  const timeoutMs = parseDurationMs(values.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) {
    throw new UsageError(`--timeout "${values.timeout}" is not a positive duration (e.g. 30s, 2m)`);
  }
  return {
    socket: values.socket,
    spcFile: required('spc'),
    ...(values['spc-name'] === undefined ? {} : { spcName: values['spc-name'] }),
    pod: {
      namespace: namespace ?? '',
      name: name ?? '',
      uid: uid ?? randomUUID(),
      serviceAccountName: values['service-account'],
    },
    ...(values['token-file'] === undefined ? {} : { tokenFile: values['token-file'] }),
    audience: values.audience,
    tokensInSecrets: values['tokens-in-secrets'],
    attributes,
    target: required('target'),
    timeoutMs,
  };
}

/** The tokens value kubelet would pass: the JWT under its audience, with the JWT's own expiry. */
async function readTokens(options: MountCommandOptions): Promise<Record<string, TokenRequestStatus> | undefined> {
  if (options.tokenFile === undefined) return undefined;
  let token: string;
  try {
    token = (await readFile(options.tokenFile, 'utf8')).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read --token-file "${options.tokenFile}" (${code})`);
  }
  const payload = token.split('.')[1];
  let exp: unknown;
  try {
    exp = (JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { exp?: unknown }).exp;
  } catch {
    // The content is a credential: the message names the file only.
    throw new UsageError(`--token-file "${options.tokenFile}" does not hold a JWT (content not shown)`);
  }
  const expirationMs = typeof exp === 'number' ? exp * 1000 : Date.now() + 3_600_000;
  const expirationTimestamp = new Date(expirationMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { [options.audience]: { token, expirationTimestamp } };
}

function describeFailure(error: unknown): string {
  if (error instanceof DriverMountError) return `${error.code}: ${error.message}`;
  if (error instanceof Error && 'code' in error && typeof error.code === 'number' && 'details' in error) {
    // A gRPC status from the provider: what the pod's FailedMount event would show.
    const name = GrpcStatus[error.code] ?? String(error.code);
    return `provider returned ${name}: ${String(error.details)}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export async function run(argv: readonly string[]): Promise<number> {
  let options: MountCommandOptions | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  let client: ProviderClient | undefined;
  try {
    const spc = await readSecretProviderClass(options.spcFile, options.spcName);
    const problem = secretProviderClassProblem(spc);
    if (problem !== undefined) throw new SpcFileError(problem);
    const tokens = await readTokens(options);
    const volume = { spc, volumeAttributes: options.attributes };
    const context = buildNodePublishContext(options.pod, volume, tokens, options.tokensInSecrets);
    const request = buildDriverMountRequest(spc, context, options.target);
    // The driver's client waits for a socket to appear; an operator wants to know at once.
    if (
      !(await stat(options.socket).then(
        (info) => info.isSocket(),
        () => false,
      ))
    ) {
      throw new UsageError(
        `no provider socket at --socket "${options.socket}" (is the provider running on this node?)`,
      );
    }
    client = new ProviderClient(options.socket, 'localhost');
    const outcome = await publishVolume(client, request, options.target, options.timeoutMs);
    const { pod } = options;
    const versions = new Map(outcome.objectVersions.map(({ id, version }) => [id, version]));
    const lines = outcome.files.map((file) => {
      const mode = goFileModeToUnix(file.mode).toString(8).padStart(4, '0');
      return `  ${mode}  ${String(file.contents.length).padStart(8)} bytes  ${file.path}  version ${versions.get(file.path) ?? '-'}`;
    });
    process.stdout.write(
      `mounted SecretProviderClass "${spc.name}" for pod ${pod.namespace}/${pod.name} (uid ${pod.uid}, ` +
        `service account ${pod.serviceAccountName}) into ${options.target}: ${outcome.files.length} files, ` +
        `${outcome.written ? 'written' : 'unchanged'}\n${lines.join('\n')}\n`,
    );
    return 0;
  } catch (error) {
    const usage = error instanceof UsageError || error instanceof SpcFileError;
    process.stderr.write(`mount failed: ${describeFailure(error)}\n`);
    return usage ? 2 : 1;
  } finally {
    client?.close();
  }
}
