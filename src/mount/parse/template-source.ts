/**
 * `template` objects as the parser sees them: the template is parsed when the `objects`
 * parameter is (so syntax errors fail the Mount with a line and column before any Vault call)
 * and again lazily per spec object; its `secret` calls become ordinary planned requests,
 * sharing identity, de-duplication and cache with the other objects. Rendering is
 * `render/template-object.ts`.
 *
 * A `secret "path"` call is a GET; `secret "path" "k=v" …` is a PUT with the pairs as its JSON
 * body (consul-template writes when given arguments), so it shares the request of an object
 * with `method: PUT` and the same `secretArgs` (string values).
 */
import { InvalidParameterError } from '../../errors.js';
import { parseTemplate, TemplateError, type ParsedTemplate } from '../../template/index.js';
import type { SecretObjectSpec, TemplateRead } from '../spec/mount-spec.js';
import { normaliseSecretPath } from './secret-path.js';

const parsedBySpec = new WeakMap<SecretObjectSpec, ParsedTemplate>();

/** A TemplateError as the InvalidParameterError a pod's event shows, with line and column. */
export function positioned(label: string, error: TemplateError): InvalidParameterError {
  const what = error.kind === 'parse' ? 'field "template"' : 'template';
  return new InvalidParameterError(`${label}: ${what} line ${error.line}, column ${error.column}: ${error.detail}`, {
    cause: error,
  });
}

/** Parses and validates a template (its syntax and every `secret` path) at parse time. */
export function checkTemplate(source: string, label: string): ParsedTemplate {
  let parsed: ParsedTemplate;
  try {
    parsed = parseTemplate(source);
  } catch (error) {
    if (error instanceof TemplateError) throw positioned(label, error);
    throw error;
  }
  for (const call of parsed.secretCalls) normaliseSecretPath(call.path, `${label}: template secret call`);
  return parsed;
}

/** The parsed template of a spec object, parsed once per spec (a cache: a copy parses again). */
export function parsedTemplate(object: SecretObjectSpec): ParsedTemplate {
  const cached = parsedBySpec.get(object);
  if (cached !== undefined) return cached;
  const parsed = checkTemplate(object.template ?? '', `object ${JSON.stringify(object.objectName)}`);
  parsedBySpec.set(object, parsed);
  return parsed;
}

export function readOfCall(path: string, args: Readonly<Record<string, string>>): TemplateRead {
  return Object.keys(args).length === 0
    ? { method: 'GET', secretPath: path }
    : { method: 'PUT', secretPath: path, body: args };
}

/** The reads a template object needs, in order of first appearance. */
export function templateReads(object: SecretObjectSpec): readonly TemplateRead[] {
  return object.templateReads ?? readsOf(parsedTemplate(object));
}

export function readsOf(parsed: ParsedTemplate): TemplateRead[] {
  return parsed.secretCalls.map((call) => readOfCall(call.path, call.args));
}
