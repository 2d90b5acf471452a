/**
 * `template` objects: one file rendered from several secrets by the sandboxed Go text/template
 * engine (src/template), as Vault Agent Injector annotations are. The template and its reads
 * come from `parse/template-source.ts`; the plan fetched each read once.
 */
import { ResourceLimitError } from '../../errors.js';
import { executeTemplate, TemplateError } from '../../template/index.js';
import type { VaultSecret } from '../../vault/vault-request.js';
import { parsedTemplate, positioned, readOfCall } from '../parse/template-source.js';
import type { SecretObjectSpec, TemplateRead } from '../spec/mount-spec.js';

/**
 * Renders the template. `read` returns the response planned for one call. A TemplateError at run
 * time becomes an error with its position: a budget spent (steps, output size, nesting) is
 * ResourceExhausted, as every budget of work a pod chooses is; anything else is the template's
 * mistake (InvalidArgument).
 */
export function renderTemplate(object: SecretObjectSpec, read: (call: TemplateRead) => VaultSecret): Buffer {
  const label = `object ${JSON.stringify(object.objectName)}`;
  try {
    return Buffer.from(
      executeTemplate(parsedTemplate(object), (path, args) => read(readOfCall(path, args))),
      'utf8',
    );
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    if (error.kind !== 'limit') throw positioned(label, error);
    throw new ResourceLimitError(
      `${label}: template line ${error.line}, column ${error.column}: ${error.detail} (the template engine's budget per object; see docs/templates.md)`,
      { cause: error },
    );
  }
}
