/**
 * `vault-csi-provider check spc.yaml`: validates a SecretProviderClass offline with the code the
 * provider runs on every Mount (parseMountRequest, the plan, the renderers), lists every file
 * with its mode and what it will contain (shape, never values), renders objects against
 * `--sample-data`, and with `--vault-addr`, `--token-file` and `--role` logs in and asks Vault
 * for the capabilities on each planned path (no secret is read). Exit 0: all good; 1: problems
 * found; 2: usage error. docs/check-command.md.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ProviderError } from '../errors.js';
import { parseMountRequest, unknownParameters } from '../mount/parse/attributes.js';
import { formatMode } from '../mount/parse/file-mode.js';
import type { MountSpec } from '../mount/spec/mount-spec.js';
import { planRequests } from '../mount/plan.js';
import { checkCapabilities, CapabilityCheckError } from './check/vault-capabilities.js';
import { describeRead, objectShape, objectSource } from './check/object-shape.js';
import { readSampleData, renderSamples, SampleDataError } from './check/sample-render.js';
import { readSecretProviderClass, SpcFileError } from './spc-file.js';

const USAGE = `Usage: vault-csi-provider check SPC.yaml [options]

Validates a SecretProviderClass offline with the provider's own parser and lists every file it
would mount: path, mode, where it reads and what it will contain (shape, not values).

  --spc-name NAME       which SecretProviderClass of the file (default: the first)
  --sample-data FILE    JSON of secret path → Vault "data"; renders every object against it
                        (templates are printed, other files described by size)
  --permission MODE     the volume's default file mode (default 0644, the driver's)
  --vault-addr URL      with --token-file and --role: log in and check capabilities per path
  --token-file FILE     a service-account JWT (kubectl create token SA --audience vault)
  --role NAME           Vault role (default: the SPC's roleName)
  --auth-path PATH      auth mount (default: the SPC's vaultAuthMountPath, else kubernetes)
  --vault-namespace NS  X-Vault-Namespace (default: the SPC's vaultNamespace)
  --vault-ca-cert FILE  CA bundle to verify Vault's TLS certificate
`;

/** Where the command writes; tests pass their own. */
export interface CheckOutput {
  write(text: string): void;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const PLACEHOLDER_POD = {
  'csi.storage.k8s.io/pod.name': 'check',
  'csi.storage.k8s.io/pod.namespace': 'check',
  'csi.storage.k8s.io/pod.uid': '00000000-0000-0000-0000-000000000000',
  'csi.storage.k8s.io/serviceAccount.name': 'check',
};

function parseOptions(argv: readonly string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        'spc-name': { type: 'string' },
        'sample-data': { type: 'string' },
        permission: { type: 'string', default: '0644' },
        'vault-addr': { type: 'string' },
        'token-file': { type: 'string' },
        role: { type: 'string' },
        'auth-path': { type: 'string' },
        'vault-namespace': { type: 'string' },
        'vault-ca-cert': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) return 'help' as const;
    if (positionals.length !== 1) throw new UsageError('give exactly one SecretProviderClass file');
    const permission = /^0?[0-7]{3}$/.test(values.permission) ? Number.parseInt(values.permission, 8) : undefined;
    if (permission === undefined) throw new UsageError('--permission must be an octal mode such as 0644');
    if (values['vault-addr'] !== undefined && values['token-file'] === undefined) {
      throw new UsageError('--vault-addr needs --token-file (a service-account JWT) to log in');
    }
    return { ...values, file: positionals[0] ?? '', permission };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function parseSpc(parameters: Readonly<Record<string, string>>, permission: number): MountSpec {
  return parseMountRequest(
    {
      attributes: JSON.stringify({ ...parameters, ...PLACEHOLDER_POD }),
      secrets: 'null',
      targetPath: '/check',
      permission: String(permission),
    },
    // The provider's -vault-addr is not known offline; the SPC's vaultAddress wins when set.
    { vaultAddress: 'https://vault:8200', authMountPath: 'kubernetes', tls: { skipVerify: false } },
    { tokenFallback: true },
  );
}

function sampleSummary(contents: Buffer): string {
  const lines = contents.toString('utf8').split('\n').length - (contents.at(-1) === 0x0a ? 1 : 0);
  return `${contents.length} bytes, ${lines} line${lines === 1 ? '' : 's'}`;
}

export async function run(argv: readonly string[], out: CheckOutput = process.stdout): Promise<number> {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    out.write(`check: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    out.write(USAGE);
    return 0;
  }
  const problems: string[] = [];
  const problem = (text: string) => {
    problems.push(text);
    out.write(`  PROBLEM: ${text}\n`);
  };

  let spc;
  let spec: MountSpec;
  try {
    spc = await readSecretProviderClass(options.file, options['spc-name']);
    if (spc.provider !== 'vault') throw new SpcFileError(`spec.provider is "${spc.provider}", not "vault"`);
    spec = parseSpc(spc.parameters, options.permission);
  } catch (error) {
    if (error instanceof SpcFileError || error instanceof ProviderError) {
      // spc-file.ts is shared with the mount command, whose flag is --spc; here the file is positional.
      out.write(`SecretProviderClass ${options.file}: INVALID\n  ${error.message.replace(/^--spc /, '')}\n`);
      return 1;
    }
    throw error;
  }
  const plan = planRequests(spec.objects);
  out.write(`SecretProviderClass "${spc.name}": valid\n`);
  out.write(
    `  role "${spec.auth.roleName}" via auth/${spec.auth.mountPath}, token audience "${spec.auth.audience}"` +
      `${spc.parameters.vaultAddress === undefined ? '' : `, Vault ${spec.connection.address}`}\n`,
  );
  for (const { key, suggestion } of unknownParameters(new Map(Object.entries(spc.parameters)))) {
    out.write(
      `  warning: unknown parameter "${key}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}\n`,
    );
  }
  out.write(
    `\n${spec.objects.length} file${spec.objects.length === 1 ? '' : 's'}, ${plan.requests.length} Vault request${plan.requests.length === 1 ? '' : 's'} per mount:\n`,
  );

  let samples;
  try {
    samples = options['sample-data'] === undefined ? undefined : await readSampleData(options['sample-data']);
  } catch (error) {
    if (!(error instanceof SampleDataError || error instanceof ProviderError)) throw error;
    problem(error.message);
  }
  const rendered = samples === undefined ? undefined : renderSamples(spec.objects, samples);
  spec.objects.forEach((object, index) => {
    out.write(`  ${object.objectName} (${formatMode(object.filePermission ?? spec.defaultFileMode)})\n`);
    for (const source of objectSource(object)) out.write(`    reads     ${source}\n`);
    out.write(`    contains  ${objectShape(object)}\n`);
    const outcome = rendered?.[index];
    if (outcome === undefined) return;
    if (!outcome.ok) {
      problem(`${object.objectName}: ${outcome.problem}`);
      return;
    }
    out.write(`    sample    ${sampleSummary(outcome.contents)}\n`);
    if (object.template !== undefined) {
      // Rendered from the user's sample data, not from Vault, so printing it reveals nothing.
      for (const line of outcome.contents.toString('utf8').replace(/\n$/, '').split('\n'))
        out.write(line === '' ? '      |\n' : `      | ${line}\n`);
    }
  });

  if (options['vault-addr'] !== undefined) {
    const role = options.role ?? spec.auth.roleName;
    const address = options['vault-addr'];
    out.write(`\ncapabilities of role "${role}" at ${address}:\n`);
    try {
      const namespace = options['vault-namespace'] ?? spec.connection.namespace;
      const results = await checkCapabilities(
        {
          vaultAddress: address,
          jwt: (await readFile(options['token-file'] ?? '', 'utf8')).trim(),
          role,
          authMountPath: options['auth-path'] ?? spec.auth.mountPath,
          ...(namespace === undefined ? {} : { namespace }),
          ...(options['vault-ca-cert'] === undefined ? {} : { caCertFile: options['vault-ca-cert'] }),
        },
        plan.requests,
      );
      for (const result of results) {
        const line = `${result.needed.padEnd(7)} ${describeRead(result.method, result.path, [])}`;
        if (result.ok) out.write(`  ok       ${line}\n`);
        else problem(`missing capability: ${line} (granted: ${result.granted.join(', ') || 'none'})`);
      }
    } catch (error) {
      if (!(error instanceof CapabilityCheckError) && (error as NodeJS.ErrnoException).code === undefined) throw error;
      problem(`capability check failed: ${(error as Error).message}`);
    }
  }
  out.write(
    problems.length === 0 ? '\nOK\n' : `\n${problems.length} problem${problems.length === 1 ? '' : 's'} found\n`,
  );
  return problems.length === 0 ? 0 : 1;
}
