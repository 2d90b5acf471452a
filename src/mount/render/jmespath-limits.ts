/**
 * Budgets inside the jmesPath engine: the functions that can build a string much longer than
 * their input (`pad_left`, `pad_right`, `replace`, `join`, `to_string` of a value holding one
 * string many times) are checked before they build it.
 *
 * Why here and not only in the sandbox: a worker thread's heap limit ends the worker gracefully
 * when memory grows in ordinary steps, but V8 aborts the WHOLE process when one allocation is
 * larger than what is left under the limit (a 400 MB string from `join` or a flattened
 * `pad_left`: "Reached heap limit Allocation failed", measured on Node 20 and 24). So no single
 * value may approach that size, and the engine's amplifiers are the only ways to make one: any
 * other function's output is bounded by its input, which the byte budget of the Mount bounds.
 * Installed once per process (module load), for every evaluation.
 */
import { register, TreeInterpreter, type JSONValue } from '@jmespath-community/jmespath';
import { ResourceLimitError } from '../../errors.js';
import { serializedLengthUpTo } from './value-size.js';

/** The longest string (in UTF-16 units) an amplifying function may build: far under V8's 16 MiB headroom. */
export const MAX_JMESPATH_STRING = 4 * 1024 * 1024;

type Runtime = Parameters<typeof register>[1];
interface FunctionEntry {
  readonly _func: Runtime;
  readonly _signature: Parameters<typeof register>[2];
}

function refuse(name: string, length?: number): never {
  const size = length === undefined ? `more than ${MAX_JMESPATH_STRING}` : String(length);
  throw new ResourceLimitError(
    `${name}() would build a string of ${size} characters, over the engine's limit of ${MAX_JMESPATH_STRING}`,
  );
}

const GUARDS: Readonly<Record<string, (args: readonly (JSONValue | object)[]) => void>> = {
  pad_left: ([, width]) => {
    if (typeof width === 'number' && width > MAX_JMESPATH_STRING) refuse('pad_left', width);
  },
  pad_right: ([, width]) => {
    if (typeof width === 'number' && width > MAX_JMESPATH_STRING) refuse('pad_right', width);
  },
  replace: ([subject, search, by, count]) => {
    if (typeof subject !== 'string' || typeof search !== 'string' || typeof by !== 'string') return;
    if (typeof count === 'number' && count > MAX_JMESPATH_STRING) refuse('replace', count);
    const found = search === '' ? subject.length + 1 : subject.split(search).length - 1;
    const times = typeof count === 'number' ? Math.min(count, found) : found;
    const length = subject.length + times * (by.length - search.length);
    if (length > MAX_JMESPATH_STRING) refuse('replace', length);
  },
  // JSON.stringify builds its text in one piece; a value can hold one string many times over.
  to_string: ([value]) => {
    if (typeof value !== 'string' && serializedLengthUpTo(value, MAX_JMESPATH_STRING) === Number.POSITIVE_INFINITY) {
      refuse('to_string');
    }
  },
  join: ([separator, list]) => {
    if (typeof separator !== 'string' || !Array.isArray(list)) return;
    let length = Math.max(list.length - 1, 0) * separator.length;
    for (const item of list) length += typeof item === 'string' ? item.length : 0;
    if (length > MAX_JMESPATH_STRING) refuse('join', length);
  },
};

function install(): void {
  const table = (
    TreeInterpreter as unknown as { runtime: { _functionTable: Record<string, FunctionEntry | undefined> } }
  ).runtime._functionTable;
  for (const [name, guard] of Object.entries(GUARDS)) {
    const original = table[name];
    if (original === undefined) throw new Error(`jmesPath function ${name} is missing: the engine changed`);
    const guarded: Runtime = (args) => {
      guard(args);
      return original._func(args);
    };
    // Built-in names are typed as not registrable; the engine overrides them on request.
    const result = register(name as never, guarded, original._signature, { override: true });
    if (!result.success) throw new Error(`cannot install the jmesPath limit on ${name}: ${result.message}`);
  }
}

install();
