/**
 * Secrets of the fake API server: get, create, update (with the immutable-Secret rule and
 * resourceVersion conflicts) and delete, with the real server's status codes and Status bodies.
 * Tests administer them directly through `SecretAdmin` (no auth, no validation).
 */
import { randomUUID } from 'node:crypto';
import { failure, success, type StatusObject } from './status.js';

export interface FakeSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; creationTimestamp: string };
  immutable?: boolean;
  type: string;
  /** base64 values, as on the wire; omitted when empty (Go `omitempty`). */
  data?: Record<string, string>;
}

export interface SecretInput {
  name: string;
  data?: Record<string, Buffer>;
  immutable?: boolean;
  type?: string;
}

export interface SecretAdmin {
  get(namespace: string, name: string): FakeSecret | undefined;
  /** Creates or replaces, bypassing validation (as another client or an admin would). */
  put(namespace: string, secret: SecretInput): FakeSecret;
  delete(namespace: string, name: string): boolean;
}

export interface Reply {
  status: number;
  body: FakeSecret | StatusObject;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const notFound = (name: string): StatusObject =>
  failure(404, 'NotFound', `secrets "${name}" not found`, { name, kind: 'secrets' });

export class SecretStore implements SecretAdmin {
  private readonly secrets = new Map<string, FakeSecret>();

  constructor(private readonly clock: { next(): number }) {}

  get(namespace: string, name: string): FakeSecret | undefined {
    const secret = this.secrets.get(`${namespace}/${name}`);
    return secret === undefined ? undefined : structuredClone(secret);
  }

  put(namespace: string, input: SecretInput): FakeSecret {
    const data = Object.fromEntries(Object.entries(input.data ?? {}).map(([k, v]) => [k, v.toString('base64')]));
    return this.store(namespace, input.name, {
      ...(input.immutable === undefined ? {} : { immutable: input.immutable }),
      type: input.type ?? 'Opaque',
      data,
    });
  }

  delete(namespace: string, name: string): boolean {
    return this.secrets.delete(`${namespace}/${name}`);
  }

  handleGet(namespace: string, name: string): Reply {
    const secret = this.get(namespace, name);
    return secret === undefined ? { status: 404, body: notFound(name) } : { status: 200, body: secret };
  }

  handleCreate(namespace: string, body: unknown): Reply {
    const parsed = parseSecretBody(body, namespace);
    if ('error' in parsed) return { status: parsed.error.code, body: parsed.error };
    const { name, fields } = parsed;
    if (name === undefined) {
      return invalid('', 'metadata.name', 'Required value: name or generateName is required');
    }
    if (this.secrets.has(`${namespace}/${name}`)) {
      return {
        status: 409,
        body: failure(409, 'AlreadyExists', `secrets "${name}" already exists`, { name, kind: 'secrets' }),
      };
    }
    return { status: 201, body: this.store(namespace, name, fields) };
  }

  handleUpdate(namespace: string, name: string, body: unknown): Reply {
    const parsed = parseSecretBody(body, namespace);
    if ('error' in parsed) return { status: parsed.error.code, body: parsed.error };
    if (parsed.name !== name) {
      return {
        status: 400,
        body: failure(400, 'BadRequest', 'the name of the object does not match the name on the URL'),
      };
    }
    const existing = this.secrets.get(`${namespace}/${name}`);
    if (existing === undefined) return { status: 404, body: notFound(name) };
    if (parsed.resourceVersion !== undefined && parsed.resourceVersion !== existing.metadata.resourceVersion) {
      const message = `Operation cannot be fulfilled on secrets "${name}": the object has been modified; please apply your changes to the latest version and try again`;
      return { status: 409, body: failure(409, 'Conflict', message, { name, kind: 'secrets' }) };
    }
    if (existing.immutable === true) {
      const sameData = JSON.stringify(existing.data ?? {}) === JSON.stringify(parsed.fields.data ?? {});
      if (!sameData) return invalid(name, 'data', 'Forbidden: field is immutable when `immutable` is set');
      if (parsed.fields.immutable !== true)
        return invalid(name, 'immutable', 'Forbidden: field is immutable when `immutable` is set');
    }
    return { status: 200, body: this.store(namespace, name, parsed.fields, existing.metadata) };
  }

  handleDelete(namespace: string, name: string): Reply {
    const existing = this.secrets.get(`${namespace}/${name}`);
    if (existing === undefined) return { status: 404, body: notFound(name) };
    this.secrets.delete(`${namespace}/${name}`);
    return { status: 200, body: success({ name, kind: 'secrets', uid: existing.metadata.uid }) };
  }

  private store(
    namespace: string,
    name: string,
    fields: Pick<FakeSecret, 'immutable' | 'type' | 'data'>,
    previous?: FakeSecret['metadata'],
  ): FakeSecret {
    const data = fields.data !== undefined && Object.keys(fields.data).length > 0 ? fields.data : undefined;
    const secret: FakeSecret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name,
        namespace,
        uid: previous?.uid ?? randomUUID(),
        resourceVersion: String(this.clock.next()),
        creationTimestamp: previous?.creationTimestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      ...(fields.immutable === undefined ? {} : { immutable: fields.immutable }),
      type: fields.type,
      ...(data === undefined ? {} : { data }),
    };
    this.secrets.set(`${namespace}/${name}`, secret);
    return structuredClone(secret);
  }
}

function invalid(name: string, field: string, detail: string): Reply {
  const message = `Secret "${name}" is invalid: ${field}: ${detail}`;
  const reason = detail.startsWith('Forbidden')
    ? 'FieldValueForbidden'
    : detail.startsWith('Required')
      ? 'FieldValueRequired'
      : 'FieldValueInvalid';
  return {
    status: 422,
    body: failure(422, 'Invalid', message, { name, kind: 'Secret', causes: [{ reason, message: detail, field }] }),
  };
}

type ParsedSecret =
  | {
      name: string | undefined;
      resourceVersion: string | undefined;
      fields: Pick<FakeSecret, 'immutable' | 'type' | 'data'>;
    }
  | { error: StatusObject };

/** Decodes a Secret body as the server's JSON decoder would, with its 400 messages. */
function parseSecretBody(body: unknown, namespace: string): ParsedSecret {
  const cannot = (why: string): { error: StatusObject } => ({
    error: failure(400, 'BadRequest', `Secret in version "v1" cannot be handled as a Secret: ${why}`),
  });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return cannot('expected an object');
  const object = body as Record<string, unknown>;
  if (object.kind !== undefined && object.kind !== 'Secret') return cannot(`wrong kind ${JSON.stringify(object.kind)}`);
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  if (typeof metadata.namespace === 'string' && metadata.namespace !== namespace) {
    return {
      error: failure(
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      ),
    };
  }
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries((object.data ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string' || !BASE64.test(value)) return cannot(`illegal base64 data in data.${key}`);
    data[key] = value;
  }
  return {
    name: typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : undefined,
    resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : undefined,
    fields: {
      ...(typeof object.immutable === 'boolean' ? { immutable: object.immutable } : {}),
      type: typeof object.type === 'string' ? object.type : 'Opaque',
      data,
    },
  };
}
