/**
 * The `objects` parameter, checked and parsed once per distinct text (per process). The same text
 * arrives on every republish of every pod that uses a SecretProviderClass, and parsing it (the
 * YAML, the checks of each field) was the largest share of a warm Mount's CPU. The parsed objects
 * are frozen, so one array serves every Mount that sends the text. Only texts that parse are kept
 * (a failing one is parsed again, with the same error); the cache is bounded by the bytes of the
 * texts it keys as well as by entries, least recently used first out.
 */
import { LRUCache } from 'lru-cache';
import type { InputLimits } from '../policy/input-limits.js';
import { checkObjectCount, checkYamlDepth } from '../policy/input-limits.js';
import type { SecretObjectSpec } from '../spec/mount-spec.js';
import { parseObjects } from './objects.js';

/** About what one parsed object holds beside its text (field strings, a frozen spec). */
const BYTES_PER_OBJECT = 512;

export interface ObjectsCacheOptions {
  /** Distinct texts kept at most. */
  readonly maxEntries: number;
  /** Their size (twice the text's characters, plus the objects) kept at most. */
  readonly maxBytes: number;
}

export const OBJECTS_CACHE_DEFAULTS: ObjectsCacheOptions = { maxEntries: 1_000, maxBytes: 16 * 1024 * 1024 };

export class ObjectsCache {
  private readonly parsed: LRUCache<string, readonly SecretObjectSpec[]>;

  constructor(options: ObjectsCacheOptions = OBJECTS_CACHE_DEFAULTS) {
    this.parsed = new LRUCache<string, readonly SecretObjectSpec[]>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (objects, text) => text.length * 2 + objects.length * BYTES_PER_OBJECT,
    });
  }

  /** The objects of `text`, checked against `limits` (fixed per process, so not part of the key). */
  objects(text: string | undefined, limits: InputLimits): readonly SecretObjectSpec[] {
    const cached = text === undefined ? undefined : this.parsed.get(text);
    if (cached !== undefined) return cached;
    const objects = parseObjectsParameter(text, limits);
    // A text larger than the whole cache is not kept (lru-cache refuses it), only parsed.
    if (text !== undefined) this.parsed.set(text, objects);
    return objects;
  }

  get size(): number {
    return this.parsed.size;
  }
}

/**
 * The checks and the parse, uncached: sizes first, so no text is parsed before it is known sane,
 * and the count before any entry. `misspelt` is a parameter that looks like `objects` misspelt
 * (named when the parameter is missing).
 */
export function parseObjectsParameter(
  text: string | undefined,
  limits: InputLimits,
  misspelt?: string,
): readonly SecretObjectSpec[] {
  if (text !== undefined) checkYamlDepth(text, limits);
  const { objects } = parseObjects(text, {
    checkCount: (count) => checkObjectCount(count, limits),
    ...(misspelt === undefined ? {} : { misspelt }),
  });
  return Object.freeze(objects);
}
