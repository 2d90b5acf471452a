/**
 * The routes every engine with named roles shares (`auth/<mount>/role/<name>`,
 * `pki/roles/<name>`): list, read, delete. Writes differ per engine and stay there.
 */
import { empty, logical, type HandlerResult } from './envelope.js';
import { unsupportedPath } from './errors.js';
import { listResponse } from './kv-v1.js';
import type { EngineRequest } from './state.js';

export function handleNamedRole<R>(
  request: EngineRequest,
  name: string,
  roles: Map<string, R>,
  mountType: string,
  describe: (role: R) => Record<string, unknown>,
  write: () => HandlerResult,
): HandlerResult {
  if (request.operation === 'list') return listResponse([...roles.keys()].sort(), mountType);
  if (name === '') throw unsupportedPath();
  if (request.operation === 'delete') {
    roles.delete(name);
    return empty();
  }
  if (request.operation === 'read') {
    const role = roles.get(name);
    return role === undefined ? empty() : logical({ mountType, data: describe(role) });
  }
  return write();
}
