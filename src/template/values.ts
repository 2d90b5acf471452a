/**
 * The value model templates compute with. Everything from outside (Vault responses, parseJSON)
 * is copied into it once, so execution never touches caller objects or JavaScript prototypes:
 * maps are `Map`s (a `.constructor` field is simply a missing key), lists are arrays, numbers are
 * JavaScript numbers (Vault's JSON numbers; consul-template keeps them as json.Number text).
 *
 * `undefined` is Go's invalid reflect.Value ("no value": a missing variable result, the root
 * dot); `null` is a nil interface (JSON null, or a missing map key under consul-template's
 * missingkey=zero).
 */

import { compareGoStrings } from '../go-compat/go-json.js';
import { FunctionFailure } from './errors.js';
import { MAX_VALUE_DEPTH } from './limits.js';

/** A Go struct such as consul-template's `*dependency.Secret`: fixed, ordered, Go-named fields. */
export class GoStruct {
  constructor(
    readonly typeName: string,
    readonly fields: ReadonlyMap<string, Value>,
  ) {}
}

export type Value = undefined | null | string | number | boolean | readonly Value[] | ValueMap | GoStruct;
export type ValueMap = ReadonlyMap<string, Value>;

export function isMap(value: Value): value is ValueMap {
  return value instanceof Map;
}

export function isList(value: Value): value is readonly Value[] {
  return Array.isArray(value);
}

/** Go iterates strings by rune; code points are the JavaScript equivalent (not graphemes). */
export function runes(text: string): string[] {
  return Array.from(text);
}

export function sortedKeys(map: ValueMap): string[] {
  return [...map.keys()].sort(compareGoStrings);
}

/** Go's type names, used in errors and in printf's `%!d(string=…)` notes. */
export function typeName(value: Value): string {
  if (value === undefined || value === null) return '<nil>';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64';
  if (isList(value)) return '[]interface {}';
  if (value instanceof GoStruct) return value.typeName;
  return 'map[string]interface {}';
}

/** Go template truth: false, 0, nil, and empty strings, lists and maps are false. */
export function isTrue(value: Value): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string' || isList(value)) return value.length > 0;
  if (value instanceof GoStruct) return true;
  return value.size > 0;
}

function isPlainObject(raw: object): raw is Record<string, unknown> {
  const proto = Object.getPrototypeOf(raw) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Copies JSON-shaped data into the value model. `charge` is called once per node so huge
 * responses spend the step budget; nesting is capped so later recursion cannot overflow.
 */
export function importJson(raw: unknown, charge: (steps: number) => void, depth = 0): Value {
  charge(1);
  if (depth > MAX_VALUE_DEPTH) {
    throw new FunctionFailure(`data nested deeper than ${MAX_VALUE_DEPTH} levels`, 'limit');
  }
  if (raw === null || raw === undefined) return null;
  switch (typeof raw) {
    case 'string':
    case 'boolean':
    case 'number':
      return raw;
    case 'object':
      break;
    default:
      throw new FunctionFailure(`data contains a value of unsupported type ${typeof raw}`);
  }
  if (Array.isArray(raw)) {
    const list: Value[] = [];
    for (const item of raw as unknown[]) list.push(importJson(item, charge, depth + 1));
    return list;
  }
  if (!isPlainObject(raw)) throw new FunctionFailure('data contains a non-JSON object');
  const map = new Map<string, Value>();
  for (const key of Object.keys(raw)) map.set(key, importJson(raw[key], charge, depth + 1));
  return map;
}

type FieldSpec = readonly [goName: string, jsonKey: string, zero: Value];

const SECRET_FIELDS: readonly FieldSpec[] = [
  ['RequestID', 'request_id', ''],
  ['LeaseID', 'lease_id', ''],
  ['LeaseDuration', 'lease_duration', 0],
  ['Renewable', 'renewable', false],
  ['Data', 'data', null],
  ['Warnings', 'warnings', []], // a nil []string prints as [] in Go
  ['Auth', 'auth', null],
  ['WrapInfo', 'wrap_info', null],
];
const AUTH_FIELDS: readonly FieldSpec[] = [
  ['ClientToken', 'client_token', ''],
  ['Accessor', 'accessor', ''],
  ['Policies', 'policies', []],
  ['Metadata', 'metadata', new Map<string, Value>()],
  ['LeaseDuration', 'lease_duration', 0],
  ['Renewable', 'renewable', false],
];
const WRAP_FIELDS: readonly FieldSpec[] = [
  ['Token', 'token', ''],
  ['TTL', 'ttl', 0],
  ['CreationTime', 'creation_time', ''],
  ['WrappedAccessor', 'wrapped_accessor', ''],
];

function importStruct(
  typeName: string,
  specs: readonly FieldSpec[],
  raw: Record<string, unknown>,
  charge: (steps: number) => void,
  nested: Readonly<Record<string, readonly [string, readonly FieldSpec[]]>>,
): GoStruct {
  const fields = new Map<string, Value>();
  for (const [goName, jsonKey, zero] of specs) {
    const item = Object.hasOwn(raw, jsonKey) ? raw[jsonKey] : undefined;
    const inner = nested[goName];
    if (
      inner !== undefined &&
      typeof item === 'object' &&
      item !== null &&
      !Array.isArray(item) &&
      isPlainObject(item)
    ) {
      fields.set(goName, importStruct(inner[0], inner[1], item, charge, {}));
    } else if (item === undefined || item === null) {
      // consul-template's Data is a non-nil map for every read; keep `.Data.x` working.
      fields.set(goName, goName === 'Data' ? new Map<string, Value>() : zero);
    } else {
      fields.set(goName, importJson(item, charge, 1));
    }
  }
  return new GoStruct(typeName, fields);
}

/**
 * Turns a Vault response envelope (`{data, lease_id, …}`) into consul-template's
 * `*dependency.Secret`, so `.Data`, `.LeaseID`, `.LeaseDuration`, `.Renewable`, `.Warnings`,
 * `.Auth.ClientToken` and `.WrapInfo.Token` read as they do under the Vault Agent Injector.
 */
export function importSecretEnvelope(raw: unknown, charge: (steps: number) => void): GoStruct {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !isPlainObject(raw)) {
    throw new FunctionFailure('the secret lookup returned no response object');
  }
  return importStruct('*dependency.Secret', SECRET_FIELDS, raw, charge, {
    Auth: ['*dependency.SecretAuth', AUTH_FIELDS],
    WrapInfo: ['*dependency.SecretWrapInfo', WRAP_FIELDS],
  });
}

const FIELD_HINTS: Readonly<Record<string, string>> = {
  data: 'Data',
  lease_id: 'LeaseID',
  lease_duration: 'LeaseDuration',
};

/**
 * `.name` on a value, with consul-template's missingkey=zero: a missing map key is nil, a field
 * of nil is an error, and a field of "no value" is no value. Map lookups use own keys only.
 */
export function field(receiver: Value, name: string): Value {
  if (receiver === undefined) return undefined;
  if (receiver === null) throw new FunctionFailure(`nil pointer evaluating interface {}.${name}`);
  if (isMap(receiver)) return receiver.has(name) ? receiver.get(name) : null;
  if (receiver instanceof GoStruct) {
    if (receiver.fields.has(name)) return receiver.fields.get(name);
    const hint =
      [...receiver.fields.keys()].find((goName) => goName.toLowerCase() === name.toLowerCase()) ?? FIELD_HINTS[name];
    const suggestion =
      hint === undefined ? `fields: ${[...receiver.fields.keys()].join(', ')}` : `did you mean .${hint}?`;
    throw new FunctionFailure(`can't evaluate field ${name} in type ${receiver.typeName} (${suggestion})`);
  }
  throw new FunctionFailure(`can't evaluate field ${name} in type ${typeName(receiver)}`);
}
