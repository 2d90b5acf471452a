/**
 * Size limits on what a pod or SecretProviderClass author controls, checked before the expensive
 * work (JSON and YAML parsing, Vault requests). Every refusal is InvalidArgument and names the
 * limit and its flag, so the author knows what to shrink and the operator what to raise.
 * The limits are per process (flags); the checks run once per Mount.
 */
import { InvalidParameterError } from '../../errors.js';

export interface InputLimits {
  /** Largest `attributes` (and `secrets`) JSON string in bytes (`-max-attributes-bytes`). */
  readonly maxAttributesBytes: number;
  /** Most entries in `objects` (`-max-objects`). */
  readonly maxObjects: number;
  /** Deepest YAML nesting in `objects`, block and flow together (`-max-yaml-depth`). */
  readonly maxYamlDepth: number;
}

/** Far above any real SPC, far below what would hurt the process. */
export const DEFAULT_INPUT_LIMITS: InputLimits = {
  maxAttributesBytes: 1024 * 1024,
  maxObjects: 1000,
  maxYamlDepth: 64,
};

export function checkRequestSize(name: 'attributes' | 'secrets', text: string, limits: InputLimits): void {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limits.maxAttributesBytes) {
    throw new InvalidParameterError(
      `parameter "${name}": ${size} bytes, over the limit of ${limits.maxAttributesBytes} bytes (-max-attributes-bytes); shrink the SecretProviderClass or raise the limit`,
    );
  }
}

export function checkObjectCount(count: number, limits: InputLimits): void {
  if (count > limits.maxObjects) {
    throw new InvalidParameterError(
      `parameter "objects": ${count} objects, over the limit of ${limits.maxObjects} (-max-objects); split the SecretProviderClass or raise the limit`,
    );
  }
}

/**
 * An upper bound of the nesting depth of a YAML text: block indentation levels plus flow
 * brackets outside quoted scalars. The `yaml` parser recurses per level and dies with a stack
 * overflow on deep documents, so this runs before it. Over-counting (a `[` inside a plain
 * scalar) only matters beyond the limit, which no real `objects` list reaches.
 */
export function yamlNestingDepth(text: string): number {
  let deepest = 0;
  const indents: number[] = [];
  let flow = 0;
  for (const line of text.split(/\r?\n/)) {
    const content = line.trimStart();
    if (content === '' || content.startsWith('#')) continue;
    const indent = line.length - content.length;
    if (flow === 0) {
      while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= indent) indents.pop();
      indents.push(indent);
      // "- - - x" nests a sequence per dash on one line.
      const dashes = /^(?:-\s+)+/.exec(content)?.[0].replace(/\s/g, '').length ?? 0;
      deepest = Math.max(deepest, indents.length + dashes);
    }
    let quote: string | undefined;
    for (const char of content) {
      if (quote !== undefined) {
        if (char === quote) quote = undefined;
      } else if (char === '"' || char === "'") {
        quote = char;
      } else if (char === '#' && flow === 0) {
        break;
      } else if (char === '[' || char === '{') {
        flow += 1;
        deepest = Math.max(deepest, indents.length + flow);
      } else if ((char === ']' || char === '}') && flow > 0) {
        flow -= 1;
      }
    }
  }
  return deepest;
}

export function checkYamlDepth(text: string, limits: InputLimits): void {
  const depth = yamlNestingDepth(text);
  if (depth > limits.maxYamlDepth) {
    throw new InvalidParameterError(
      `parameter "objects": YAML nested about ${depth} levels deep, over the limit of ${limits.maxYamlDepth} (-max-yaml-depth)`,
    );
  }
}
