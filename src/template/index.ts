/**
 * Sandboxed renderer for Vault Agent Injector templates (Go text/template as used by
 * consul-template), so annotations can move unchanged into a SecretProviderClass `template`.
 * Parse once per SecretProviderClass revision; execute once per mount. Templates cannot read
 * files, environment variables or the network: their only input is `secret`, whose reads are
 * all known after parsing (`secretCalls`) and served by the caller's `lookup`.
 *
 * Supported subset (anything else is a TemplateError naming what is unsupported):
 * - text and actions `{{ }}`, trim markers `{{- ` and ` -}}`, comments `{{/* … *\/}}`;
 * - pipelines `a | b`; variables `$x := …`, `$x = …`, `$`; `range $k, $v := …`;
 * - fields `.A.B`, `$x.A`, `(pipeline).A`; literals: "strings" with Go escapes, `raw strings`,
 *   Go numbers (decimal, 0x, 0o, 0b, legacy octal, `_`, floats), 'c' runes, true, false, nil;
 * - if / else if / else, with / else with / else, range (lists, maps in sorted key order,
 *   integers) with else, break and continue; define / template / block;
 * - Go truthiness; functions: see SUPPORTED_FUNCTIONS (Go builtins and, or, not, eq, ne, lt, le,
 *   gt, ge, len, index, print, printf, println, urlquery; consul-template secret, toJSON,
 *   toJSONPretty, toYAML, base64(URL)Encode/Decode, trimSpace, trim, trimPrefix, trimSuffix,
 *   toLower, toUpper, replaceAll, split, join, contains, parseJSON, sha256Hex, indent; sprig-style
 *   hasPrefix, hasSuffix, keys (sorted)).
 * - `secret "path" "k=v"…` returns consul-template's Secret: `.Data`, `.LeaseID`,
 *   `.LeaseDuration`, `.Renewable`, `.Warnings`, `.RequestID`, `.Auth`, `.WrapInfo`; KV v2 reads
 *   `.Data.data.key` and `.Data.metadata.version`.
 * - Missing keys follow consul-template (missingkey=zero): `{{ .Data.nope }}` prints `<no value>`,
 *   `{{ .Data.nope.x }}` is an error ("nil pointer evaluating interface {}.x").
 *
 * Deliberate differences from Go / consul-template (each keeps templates working or safer):
 * - checked at parse time, not run time: function names, argument counts, {{template}} names,
 *   values given arguments (`{{ .Data "x" }}`), and `secret` arguments (string constants only);
 * - numbers are one kind: `eq 3 3.0` is true, `%f` of 3 works, and a number equals a string
 *   holding its text (consul-template passes Vault numbers as json.Number text); numbers print
 *   like json.Number (`1e6` prints 1000000, Go's float64 gives 1e+06);
 * - string parameters accept numbers; `join` accepts any list; `eq x nil` is allowed;
 * - columns count code points; errors never quote values (Go's `range can't iterate over
 *   <value>` becomes the value's type); `html`, `js`, `call`, `slice`, sprig are not offered;
 * - printf has no `%[n]` indexes; toYAML output may quote differently from yaml.v2.
 */

import { SourceMap, TemplateError } from './errors.js';
import { execute, type SecretLookup } from './exec.js';
import { resolveLimits, type TemplateLimits } from './limits.js';
import { parse } from './parser.js';
import type { Program } from './ast.js';

export { TemplateError } from './errors.js';
export type { TemplateErrorCode, TemplateErrorKind } from './errors.js';
export { SUPPORTED_FUNCTIONS } from './function-catalog.js';
export { DEFAULT_TEMPLATE_LIMITS, type TemplateLimits } from './limits.js';
export type { SecretLookup } from './exec.js';

export interface ParsedTemplate {
  /** Every distinct `secret` call (path and key=value args), in order of first appearance. */
  readonly secretCalls: readonly { path: string; args: Readonly<Record<string, string>> }[];
}

/** Parse trees live beside the public handle, out of reach of callers (and of JSON.stringify). */
const compiled = new WeakMap<ParsedTemplate, { program: Program; map: SourceMap }>();

export function parseTemplate(source: string, limits?: Partial<TemplateLimits>): ParsedTemplate {
  const resolved = resolveLimits(limits);
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > resolved.maxTemplateBytes) {
    throw new TemplateError(
      'limit',
      1,
      1,
      `template is ${bytes} bytes, over the ${resolved.maxTemplateBytes}-byte limit`,
    );
  }
  const map = new SourceMap(source);
  let program: Program;
  try {
    program = parse(source, map, resolved);
  } catch (error) {
    // The nesting limit should make this unreachable; keep "only TemplateError" true regardless.
    if (error instanceof RangeError) throw new TemplateError('limit', 1, 1, 'template nested too deeply');
    throw error;
  }
  const parsed: ParsedTemplate = Object.freeze({ secretCalls: Object.freeze([...program.secretCalls]) });
  compiled.set(parsed, { program, map });
  return parsed;
}

/**
 * Renders `parsed`. `lookup` returns the Vault response envelope (`{data, lease_id, …}`) for a
 * planned read; it is called at most once per distinct call, and whatever it throws propagates
 * unchanged.
 */
export function executeTemplate(
  parsed: ParsedTemplate,
  lookup: SecretLookup,
  limits?: Partial<TemplateLimits>,
): string {
  const entry = compiled.get(parsed);
  if (entry === undefined) throw new TypeError('executeTemplate needs a template returned by parseTemplate');
  return execute(entry.program, entry.map, lookup, resolveLimits(limits));
}
