/**
 * Every problem of one SecretProviderClass, found offline with the provider's own parsers
 * (`readConnection`, `readObjects`: the checks a Mount runs, in its order) plus what only the
 * manifest shows: its shape, parameters that are not strings, parameters the provider does not
 * read (typos), and `secretObjects`. A clean SPC is then parsed once more exactly as a Mount
 * parses it, and that spec is what the listing shows.
 */
import { isMap, isSeq } from 'yaml';
import { ProviderError } from '../../errors.js';
import { parseMountRequest, unknownParameters } from '../../mount/parse/attributes.js';
import { readConnection } from '../../mount/parse/connection.js';
import { OBJECT_FIELDS } from '../../mount/parse/object-entry.js';
import { readObjects } from '../../mount/parse/objects.js';
import { parseObjectsYaml } from '../../mount/parse/objects-yaml.js';
import { ParseProblems, type ParseProblem } from '../../mount/parse/parse-problems.js';
import { misspellingOf, suggest } from '../../mount/parse/suggest.js';
import { checkObjectCount, checkYamlDepth, DEFAULT_INPUT_LIMITS } from '../../mount/policy/input-limits.js';
import type { ConnectionDefaults, MountSpec } from '../../mount/spec/mount-spec.js';
import { KNOWN_PARAMETERS } from '../../mount/spec/parameter-names.js';
import type { Finding, FindingLocation, Rule } from './check-report.js';
import { objectsSource, type ObjectsSource } from './objects-locator.js';
import { lintSecretObjects } from './secret-objects.js';
import type { SpcCandidate } from './spc-documents.js';

export interface LintedSpc {
  readonly name?: string;
  readonly location: FindingLocation;
  readonly findings: Finding[];
  /** What a Mount would use; only when there is no error. */
  readonly spec?: MountSpec;
  /** The string parameters as the driver would pass them. */
  readonly parameters: Readonly<Record<string, string>>;
}

const SPEC_FIELDS = ['provider', 'parameters', 'secretObjects'];

/** The provider's -vault-addr is not known offline; the SPC's vaultAddress wins when set. */
const OFFLINE_DEFAULTS: ConnectionDefaults = {
  vaultAddress: 'https://vault:8200',
  authMountPath: 'kubernetes',
  tls: { skipVerify: false },
};

const PLACEHOLDER_POD = {
  'csi.storage.k8s.io/pod.name': 'check',
  'csi.storage.k8s.io/pod.namespace': 'check',
  'csi.storage.k8s.io/pod.uid': '00000000-0000-0000-0000-000000000000',
  'csi.storage.k8s.io/serviceAccount.name': 'check',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every objectName as written, also of entries with problems (for secretObjects). */
function writtenObjectNames(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    const { value } = parseObjectsYaml(text);
    if (!Array.isArray(value)) return [];
    return value.flatMap((entry: unknown) => {
      const name = isRecord(entry) ? entry.objectName : undefined;
      if (typeof name === 'string') return [name];
      return typeof name === 'number' || typeof name === 'bigint' ? [name.toString()] : [];
    });
  } catch {
    return [];
  }
}

export function lintSpc(candidate: SpcCandidate, permission: number): LintedSpc {
  const { value } = candidate;
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : undefined;
  const location: FindingLocation = {
    file: candidate.file,
    document: candidate.document,
    ...(name === undefined ? {} : { spc: name }),
  };
  const findings: Finding[] = [];
  const add = (
    rule: Rule,
    severity: Finding['severity'],
    path: (string | number)[],
    message: string,
    extra: Partial<FindingLocation> & { fix?: string } = {},
  ) => {
    const { fix, ...where } = extra;
    const line = where.line ?? candidate.lineOf(path);
    findings.push({
      severity,
      rule,
      message,
      ...(fix === undefined ? {} : { fix }),
      location: {
        ...location,
        path:
          candidate.pathPrefix +
          path
            .map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`))
            .join('')
            .slice(1),
        ...where,
        ...(line === undefined ? {} : { line }),
      },
    });
  };
  const result = (spec?: MountSpec, parameters: Record<string, string> = {}): LintedSpc => ({
    ...(name === undefined ? {} : { name }),
    location,
    findings,
    ...(spec === undefined ? {} : { spec }),
    parameters,
  });

  if (typeof value.apiVersion !== 'string' || !value.apiVersion.startsWith('secrets-store.csi.x-k8s.io/')) {
    add('manifest', 'error', ['apiVersion'], 'apiVersion must be secrets-store.csi.x-k8s.io/v1', {
      fix: 'apiVersion: secrets-store.csi.x-k8s.io/v1',
    });
  }
  if (name === undefined) add('manifest', 'error', ['metadata'], 'metadata.name is required');
  const spec = value.spec;
  if (!isRecord(spec)) {
    add('manifest', 'error', ['spec'], 'spec must be a mapping with provider and parameters');
    return result();
  }
  for (const field of Object.keys(spec)) {
    if (SPEC_FIELDS.includes(field)) continue;
    const guess = suggest(field, SPEC_FIELDS);
    add(
      'manifest',
      'error',
      ['spec', field],
      `spec.${field} is not a field of a SecretProviderClass${guess === undefined ? '' : `; did you mean "${guess}"?`} (kubectl refuses unknown fields)`,
      guess === undefined ? {} : { fix: `rename "${field}" to "${guess}"` },
    );
  }
  if (spec.provider !== 'vault') {
    const written = typeof spec.provider === 'string' ? spec.provider : '';
    const nearVault = written !== '' && suggest(written, ['vault']) === 'vault';
    add(
      'manifest',
      'error',
      ['spec', 'provider'],
      written === ''
        ? 'spec.provider is required: vault'
        : `spec.provider is "${written}", not "vault"${nearVault ? '' : ': this SecretProviderClass is for another provider'}`,
      nearVault || written === '' ? { fix: 'provider: vault' } : {},
    );
    if (written !== '' && !nearVault) return result();
  }
  const rawParameters = spec.parameters ?? {};
  if (!isRecord(rawParameters)) {
    add('manifest', 'error', ['spec', 'parameters'], 'spec.parameters must be a mapping of parameter names to strings');
    return result();
  }

  // Parameters reach the provider as strings (the CRD's map[string]string).
  const attributes = new Map<string, string>();
  let objects: ObjectsSource | undefined;
  for (const [key, raw] of Object.entries(rawParameters)) {
    const path = ['spec', 'parameters', key];
    if (typeof raw === 'string') {
      attributes.set(key, raw);
    } else if (key === 'objects' && (Array.isArray(raw) || isRecord(raw))) {
      objects = objectsSource(candidate, undefined);
      add(
        'parameter',
        'error',
        path,
        `parameter "objects" is written as a YAML ${Array.isArray(raw) ? 'list' : 'mapping'}, but parameters are strings: write "objects: |" and indent the list below it (its entries are checked below as if you had)`,
        { parameter: 'objects', fix: 'objects: |' },
      );
      if (objects !== undefined) attributes.set('objects', objects.text);
    } else {
      const node = candidate.nodeAt(path);
      const shown = node !== undefined && !isMap(node) && !isSeq(node) ? candidate.sourceOf(node).text : String(raw);
      add(
        'parameter',
        'error',
        path,
        `parameter "${key}" must be a string (the API server stores parameters as strings); quote it`,
        { parameter: key, fix: `${key}: ${JSON.stringify(shown)}` },
      );
    }
  }
  objects ??= objectsSource(candidate, attributes.get('objects'));

  const problems = new ParseProblems();
  readConnection(attributes, OFFLINE_DEFAULTS, problems);
  const objectsText = attributes.get('objects');
  const misspeltObjects = misspellingOf('objects', attributes.keys(), KNOWN_PARAMETERS);
  // Too deep a text would overflow the YAML parser's stack: it is not parsed at all.
  const parseable =
    objectsText === undefined ||
    problems.attempt({ parameter: 'objects' }, () => {
      checkYamlDepth(objectsText, DEFAULT_INPUT_LIMITS);
      return true;
    }) === true;
  const specs = parseable
    ? readObjects(objectsText, problems, {
        checkCount: (count) => checkObjectCount(count, DEFAULT_INPUT_LIMITS),
        ...(misspeltObjects === undefined ? {} : { misspelt: misspeltObjects }),
      })
    : [];

  const misspelt = new Map<string, string>();
  const misspeltRole = misspellingOf('roleName', attributes.keys(), KNOWN_PARAMETERS);
  if (misspeltRole !== undefined && (attributes.get('roleName') ?? '') === '') misspelt.set('roleName', misspeltRole);
  if (misspeltObjects !== undefined && objectsText === undefined) misspelt.set('objects', misspeltObjects);
  for (const problem of problems.list) findings.push(problemFinding(problem, location, candidate, objects, misspelt));

  const named = new Set(misspelt.values());
  for (const { key, suggestion } of unknownParameters(attributes)) {
    if (named.has(key)) continue;
    add(
      'unknown-parameter',
      'warning',
      ['spec', 'parameters', key],
      `parameter "${key}" is not one this provider reads, so it has no effect${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`,
      { parameter: key, ...(suggestion === undefined ? {} : { fix: `rename "${key}" to "${suggestion}"` }) },
    );
  }

  findings.push(
    ...lintSecretObjects(candidate, location, spec.secretObjects, {
      names: parseable ? writtenObjectNames(objectsText) : [],
      specs,
    }),
  );

  const parameters = Object.fromEntries(attributes);
  if (findings.some((finding) => finding.severity === 'error')) return result(undefined, parameters);
  try {
    return result(mountSpec(parameters, permission), parameters);
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    // The Mount's own parse disagrees with the linter: report it as the Mount would.
    add('parameter', 'error', ['spec', 'parameters'], error.message);
    return result(undefined, parameters);
  }
}

function mountSpec(parameters: Readonly<Record<string, string>>, permission: number): MountSpec {
  return parseMountRequest(
    {
      attributes: JSON.stringify({ ...parameters, ...PLACEHOLDER_POD }),
      secrets: 'null',
      targetPath: '/check',
      permission: String(permission),
    },
    OFFLINE_DEFAULTS,
    { tokenFallback: true },
  );
}

function problemFinding(
  problem: ParseProblem,
  location: FindingLocation,
  candidate: SpcCandidate,
  objects: ObjectsSource | undefined,
  misspelt: ReadonlyMap<string, string>,
): Finding {
  const inObjects = problem.parameter === 'objects';
  const rule: Rule = inObjects ? 'objects' : 'parameter';
  const typo = misspelt.get(problem.parameter);
  const key = typo ?? problem.parameter;
  const entryPath =
    problem.objectIndex === undefined
      ? ''
      : `[${problem.objectIndex}]${problem.field === undefined ? '' : `.${problem.field}`}`;
  const line =
    inObjects && typo === undefined
      ? (objects?.lineOf(problem.objectIndex, problem.field) ?? candidate.lineOf(['spec', 'parameters', 'objects']))
      : (candidate.lineOf(['spec', 'parameters', key]) ?? candidate.lineOf(['spec', 'parameters']));
  let fix: string | undefined;
  if (typo !== undefined) fix = `rename "${typo}" to "${problem.parameter}"`;
  else if (problem.field !== undefined && !(OBJECT_FIELDS as readonly string[]).includes(problem.field)) {
    const guess = suggest(problem.field, OBJECT_FIELDS);
    if (guess !== undefined) fix = `rename "${problem.field}" to "${guess}"`;
  }
  return {
    severity: 'error',
    rule,
    message: problem.error.message,
    ...(fix === undefined ? {} : { fix }),
    location: {
      ...location,
      path: `${candidate.pathPrefix}spec.parameters.${key}${entryPath}`,
      parameter: problem.parameter,
      ...(problem.objectIndex === undefined ? {} : { objectIndex: problem.objectIndex }),
      ...(problem.field === undefined ? {} : { field: problem.field }),
      ...(line === undefined ? {} : { line }),
    },
  };
}
