/**
 * `vault-csi-provider check FILE…`: a linter for SecretProviderClasses. Every problem of every
 * SPC in every file (files, directories, globs, `-` for stdin; multi-document YAML; Lists) in one
 * run, found offline with the provider's own parsers, each with its place, a severity and the
 * fix; the files each valid SPC would mount (shape, never values); with `--sample-data` the
 * objects rendered against sample data; with `--vault-addr` the role's capabilities on each
 * planned path (no secret is read). `--output json` prints the report whose schema is
 * docs/check-output.schema.json. Exit 0: nothing to fix; 1: errors (or warnings with
 * `--strict`); 2: the command could not run as asked. docs/check-command.md.
 */
import { readFile } from 'node:fs/promises';
import { text as readStream } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { ProviderError } from '../errors.js';
import { formatMode } from '../mount/parse/file-mode.js';
import { planRequests } from '../mount/plan.js';
import { checkCapabilities, CapabilityCheckError } from './check/vault-capabilities.js';
import { describeRead, objectShape, objectSource } from './check/object-shape.js';
import { readSampleData, renderSamples, SampleDataError, type SampleData } from './check/sample-render.js';
import { exitStatus, type CheckReport, type Finding, type SpcReport } from './check/check-report.js';
import { formatReport } from './check/report-text.js';
import { CheckInputError, readSources, scanSource, type SpcCandidate } from './check/spc-documents.js';
import { lintSpc, type LintedSpc } from './check/spc-lint.js';

export const CHECK_USAGE = `Usage: vault-csi-provider check [options] FILE...

Lints SecretProviderClasses offline with the provider's own parser: every problem of every
SecretProviderClass in every FILE (a file, a directory of *.yaml, a quoted glob, or - for
standard input), each with file:line, severity and the fix; then the files each valid one
would mount: path, mode, what it reads and what it will contain (shape, never values).

  --strict              warnings fail the run too (exit 1)
  --output FORMAT       text (default) or json (schema: docs/check-output.schema.json)
  --spc-name NAME       check only the SecretProviderClasses with this metadata.name
  --sample-data FILE    JSON of secret path -> Vault "data"; renders every object against it
                        (templates are printed, other files described by size)
  --permission MODE     the volume's default file mode (default 0644, the driver's)
  --vault-addr URL      with --token-file: log in and check the role's capabilities per path
  --token-file FILE     a service-account JWT (kubectl create token SA --audience vault)
  --role NAME           Vault role (default: each SPC's roleName)
  --auth-path PATH      auth mount (default: the SPC's vaultAuthMountPath, else kubernetes)
  --vault-namespace NS  X-Vault-Namespace (default: the SPC's vaultNamespace)
  --vault-ca-cert FILE  CA bundle to verify Vault's TLS certificate
  -h, --help            this help

Exit status: 0 nothing to fix (warnings allowed), 1 errors (or warnings with --strict),
2 the command could not run as asked (bad option, unreadable file, no file matched).
`;

/** Where the command writes and reads; tests pass their own. */
export interface CheckIo {
  readonly out: { write(text: string): void };
  readonly err: { write(text: string): void };
  readonly stdin: () => Promise<string>;
}

const PROCESS_IO: CheckIo = { out: process.stdout, err: process.stderr, stdin: () => readStream(process.stdin) };

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function parseOptions(argv: readonly string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        strict: { type: 'boolean', default: false },
        output: { type: 'string', default: 'text' },
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
    if (positionals.length === 0) throw new UsageError('give at least one SecretProviderClass file (or - for stdin)');
    if (values.output !== 'text' && values.output !== 'json') throw new UsageError('--output must be text or json');
    const permission = /^0?[0-7]{3}$/.test(values.permission) ? Number.parseInt(values.permission, 8) : undefined;
    if (permission === undefined) throw new UsageError('--permission must be an octal mode such as 0644');
    if (values['vault-addr'] !== undefined && values['token-file'] === undefined) {
      throw new UsageError('--vault-addr needs --token-file (a service-account JWT) to log in');
    }
    return { ...values, output: values.output, inputs: positionals, permission };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function lineCount(contents: Buffer): number {
  return contents.toString('utf8').split('\n').length - (contents.at(-1) === 0x0a ? 1 : 0);
}

type Options = Exclude<ReturnType<typeof parseOptions>, 'help'>;

function plannedFiles(linted: LintedSpc, samples: SampleData | undefined, findings: Finding[]) {
  const spec = linted.spec;
  if (spec === undefined) return { files: [], texts: new Map<string, string>() };
  const rendered = samples === undefined ? undefined : renderSamples(spec.objects, samples);
  const texts = new Map<string, string>();
  const files = spec.objects.map((object, objectIndex) => {
    const outcome = rendered?.[objectIndex];
    if (outcome !== undefined && !outcome.ok) {
      findings.push({
        severity: 'error',
        rule: 'sample-data',
        message: `${object.objectName}: ${outcome.problem}`,
        location: {
          ...linted.location,
          parameter: 'objects',
          objectIndex,
          path: `spec.parameters.objects[${objectIndex}]`,
        },
      });
    }
    // Rendered from the user's sample data, not from Vault, so printing it reveals nothing.
    if (outcome?.ok === true && object.template !== undefined)
      texts.set(object.objectName, outcome.contents.toString('utf8'));
    return {
      objectName: object.objectName,
      mode: formatMode(object.filePermission ?? spec.defaultFileMode),
      reads: objectSource(object),
      contains: objectShape(object),
      ...(outcome?.ok === true
        ? { sampleBytes: outcome.contents.length, sampleLines: lineCount(outcome.contents) }
        : {}),
    };
  });
  return { files, texts };
}

async function capabilities(
  linted: LintedSpc,
  options: Options,
  findings: Finding[],
): Promise<SpcReport['capabilities']> {
  const spec = linted.spec;
  const address = options['vault-addr'];
  if (spec === undefined || address === undefined) return undefined;
  const plan = planRequests(spec.objects);
  const namespace = options['vault-namespace'] ?? spec.connection.namespace;
  try {
    const results = await checkCapabilities(
      {
        vaultAddress: address,
        jwt: (await readFile(options['token-file'] ?? '', 'utf8')).trim(),
        role: options.role ?? spec.auth.roleName,
        authMountPath: options['auth-path'] ?? spec.auth.mountPath,
        ...(namespace === undefined ? {} : { namespace }),
        ...(options['vault-ca-cert'] === undefined ? {} : { caCertFile: options['vault-ca-cert'] }),
      },
      plan.requests,
    );
    for (const result of results.filter((entry) => !entry.ok)) {
      findings.push({
        severity: 'error',
        rule: 'capability',
        message: `missing capability: ${result.needed} on ${describeRead(result.method, result.path, [])} (granted: ${result.granted.join(', ') || 'none'})`,
        location: { ...linted.location },
      });
    }
    return results.map(({ method, path, needed, granted, ok }) => ({
      method,
      path,
      needed,
      granted: [...granted],
      ok,
    }));
  } catch (error) {
    if (!(error instanceof CapabilityCheckError) && (error as NodeJS.ErrnoException).code === undefined) throw error;
    findings.push({
      severity: 'error',
      rule: 'capability',
      message: `capability check failed: ${(error as Error).message}`,
      location: { ...linted.location },
    });
    return undefined;
  }
}

export async function run(argv: readonly string[], io: CheckIo = PROCESS_IO): Promise<number> {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    io.err.write(`check: ${(error as Error).message}\n\n${CHECK_USAGE}`);
    return 2;
  }
  if (options === 'help') {
    io.out.write(CHECK_USAGE);
    return 0;
  }
  let sources;
  let samples: SampleData | undefined;
  try {
    sources = await readSources(options.inputs, io.stdin);
    samples = options['sample-data'] === undefined ? undefined : await readSampleData(options['sample-data']);
  } catch (error) {
    if (!(error instanceof CheckInputError || error instanceof SampleDataError || error instanceof ProviderError))
      throw error;
    io.err.write(`check: ${error.message}\n`);
    return 2;
  }

  const findings: Finding[] = [];
  const candidates: SpcCandidate[] = [];
  for (const source of sources) {
    const scan = scanSource(source);
    findings.push(...scan.findings);
    candidates.push(
      ...scan.candidates.filter(
        (candidate) =>
          options['spc-name'] === undefined ||
          (candidate.value.metadata as { name?: unknown } | undefined)?.name === options['spc-name'],
      ),
    );
  }
  if (candidates.length === 0) {
    findings.push({
      severity: 'error',
      rule: 'input',
      message: `no SecretProviderClass${options['spc-name'] === undefined ? '' : ` named "${options['spc-name']}"`} found`,
      location: { file: sources.map((source) => source.name).join(', ') },
    });
  }

  const spcs: SpcReport[] = [];
  const sampleTexts = new Map<SpcReport, ReadonlyMap<string, string>>();
  for (const candidate of candidates) {
    const linted = lintSpc(candidate, options.permission);
    findings.push(...linted.findings);
    const { files, texts } = plannedFiles(linted, samples, findings);
    const spec = linted.spec;
    const report: SpcReport = {
      ...(linted.name === undefined ? {} : { name: linted.name }),
      file: candidate.file,
      document: candidate.document,
      valid: !linted.findings.some((finding) => finding.severity === 'error'),
      ...(spec === undefined
        ? {}
        : {
            role: options.role ?? spec.auth.roleName,
            authMountPath: spec.auth.mountPath,
            audience: spec.auth.audience,
            ...(linted.parameters.vaultAddress === undefined ? {} : { vaultAddress: spec.connection.address }),
            vaultRequests: planRequests(spec.objects).requests.length,
          }),
      files,
    };
    const granted = await capabilities(linted, options, findings);
    if (granted !== undefined) report.capabilities = granted;
    spcs.push(report);
    sampleTexts.set(report, texts);
  }

  const code = exitStatus(findings, options.strict);
  const errors = findings.filter((finding) => finding.severity === 'error').length;
  const report: CheckReport = {
    formatVersion: 1,
    ok: code === 0,
    strict: options.strict,
    summary: { files: sources.length, secretProviderClasses: spcs.length, errors, warnings: findings.length - errors },
    secretProviderClasses: spcs,
    findings,
  };
  io.out.write(
    options.output === 'json'
      ? `${JSON.stringify(report, null, 2)}\n`
      : formatReport(report, sampleTexts, options['vault-addr']),
  );
  return code;
}
