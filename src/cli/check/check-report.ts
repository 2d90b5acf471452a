/**
 * What `check` found, as data: the findings (each with a severity, a rule, where it is and what
 * to do) and, per SecretProviderClass, the files it would mount. The zod schema is the one home
 * of the `--output json` format: `docs/check-output.schema.json` is generated from it
 * (`npm run gen:check-schema`) and documented in docs/check-command.md.
 */
import * as z from 'zod';

export const SEVERITIES = ['error', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Stable names of what a finding is about, for filtering in CI. */
export const RULES = [
  'input',
  'yaml',
  'manifest',
  'parameter',
  'unknown-parameter',
  'objects',
  'secret-objects',
  'sample-data',
  'capability',
] as const;
export type Rule = (typeof RULES)[number];

const LocationSchema = z
  .object({
    file: z.string().describe('The file as given or matched; "-" for standard input'),
    document: z.number().int().min(1).optional().describe('1-based YAML document in the file'),
    spc: z.string().optional().describe('metadata.name of the SecretProviderClass'),
    path: z
      .string()
      .optional()
      .describe('Where in the manifest: spec.parameters.roleName, spec.parameters.objects[1].secretKey, …'),
    parameter: z.string().optional().describe('The SecretProviderClass parameter, when the finding is about one'),
    objectIndex: z.number().int().min(0).optional().describe('0-based entry of the objects parameter'),
    field: z.string().optional().describe('The field of that entry, or of a secretObjects entry'),
    line: z.number().int().min(1).optional().describe('1-based line in the file, when known'),
  })
  .strict();

export const FindingSchema = z
  .object({
    severity: z.enum(SEVERITIES),
    rule: z.enum(RULES),
    message: z.string().describe('What is wrong and what to do, as a Mount would report it'),
    fix: z.string().optional().describe('A mechanical fix, when there is one (rename a key, quote a value)'),
    location: LocationSchema,
  })
  .strict();
export type Finding = z.infer<typeof FindingSchema>;
export type FindingLocation = z.infer<typeof LocationSchema>;

const PlannedFileSchema = z
  .object({
    objectName: z.string(),
    mode: z.string().describe('Octal file mode, e.g. 0644'),
    reads: z
      .array(z.string())
      .describe('Vault requests: "GET secret/data/app", "PUT pki/issue/web (secretArgs: common_name)"'),
    contains: z.string().describe('What the file will hold, by shape (never a value)'),
    sampleBytes: z.number().int().min(0).optional().describe('Size rendered from --sample-data'),
    sampleLines: z.number().int().min(0).optional().describe('Lines rendered from --sample-data'),
  })
  .strict();
export type PlannedFile = z.infer<typeof PlannedFileSchema>;

const CapabilitySchema = z
  .object({
    method: z.string(),
    path: z.string(),
    needed: z.string(),
    granted: z.array(z.string()),
    ok: z.boolean(),
  })
  .strict();

const SpcReportSchema = z
  .object({
    name: z.string().optional().describe('metadata.name (absent when the manifest has none)'),
    file: z.string(),
    document: z.number().int().min(1),
    valid: z.boolean().describe('No error-severity finding'),
    role: z.string().optional(),
    authMountPath: z.string().optional(),
    audience: z.string().optional(),
    vaultAddress: z.string().optional().describe('The vaultAddress parameter, when the SPC sets one'),
    vaultRequests: z.number().int().min(0).optional().describe('Distinct Vault requests per Mount'),
    files: z.array(PlannedFileSchema).describe('Empty when the SecretProviderClass is invalid'),
    capabilities: z.array(CapabilitySchema).optional().describe('With --vault-addr'),
  })
  .strict();
export type SpcReport = z.infer<typeof SpcReportSchema>;

export const CheckReportSchema = z
  .object({
    formatVersion: z.literal(1),
    ok: z.boolean().describe('The exit status is 0'),
    strict: z.boolean().describe('--strict: warnings fail the run too'),
    summary: z
      .object({
        files: z.number().int().min(0),
        secretProviderClasses: z.number().int().min(0),
        errors: z.number().int().min(0),
        warnings: z.number().int().min(0),
      })
      .strict(),
    secretProviderClasses: z.array(SpcReportSchema),
    findings: z.array(FindingSchema),
  })
  .strict()
  .describe('vault-csi-provider check --output json');
export type CheckReport = z.infer<typeof CheckReportSchema>;

/** The JSON Schema of the report (docs/check-output.schema.json). */
export function checkReportJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://github.com/example/vault-csi-provider-ts/docs/check-output.schema.json',
    ...z.toJSONSchema(CheckReportSchema),
  };
}

/** Exit status: 0 nothing to fix, 1 an error (or, with --strict, a warning). 2 is a usage error. */
export function exitStatus(findings: readonly Finding[], strict: boolean): 0 | 1 {
  return findings.some((finding) => finding.severity === 'error' || strict) ? 1 : 0;
}
