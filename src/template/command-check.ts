/**
 * Static checks on one command, done at parse time so a template fails before any read:
 * argument counts, values given arguments, and `secret` calls turned into planned reads.
 */

import type { Command, Operand } from './ast.js';
import { arityError } from './function-catalog.js';
import { planSecretCall } from './secret-call.js';

export function checkCommand(
  first: Operand,
  operands: readonly Operand[],
  stage: number,
): { command: Command } | { error: string; pos: number } {
  for (const operand of operands.slice(1)) {
    if (operand.type !== 'function') continue;
    if (operand.name === 'secret') return { error: 'secret needs a path argument', pos: operand.pos };
    const arity = arityError(operand.name, 0);
    if (arity !== undefined) return { error: arity, pos: operand.pos };
  }
  if (first.type !== 'function') {
    if (first.type === 'nil') return { error: 'nil is not a command', pos: first.pos };
    if (stage > 0) return { error: `non executable command in pipeline stage ${stage + 1}`, pos: first.pos };
    if (operands.length > 1) return { error: `can't give argument to non-function ${describe(first)}`, pos: first.pos };
    return { command: { pos: first.pos, operands } };
  }
  const count = operands.length - 1 + (stage > 0 ? 1 : 0);
  const arity = arityError(first.name, count);
  if (arity !== undefined) return { error: arity, pos: first.pos };
  if (first.name !== 'secret') return { command: { pos: first.pos, operands } };
  const planned = planSecretCall(operands.slice(1), stage > 0);
  if ('error' in planned) return { error: planned.error, pos: planned.pos ?? first.pos };
  return { command: { pos: first.pos, operands, secret: planned.call } };
}

/** How an operand is named in errors: template source, never data. */
export function describe(operand: Operand): string {
  switch (operand.type) {
    case 'field':
      return `.${operand.names.join('.')}`;
    case 'variable':
      return [operand.name, ...operand.names].join('.');
    case 'string':
      return JSON.stringify(operand.value);
    case 'number':
      return String(operand.value);
    case 'bool':
      return String(operand.value);
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'function':
      return operand.name;
    default:
      return '(…)';
  }
}
