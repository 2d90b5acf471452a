/**
 * Executes a parsed template, following Go text/template's evaluation rules with
 * consul-template's `missingkey=zero` option: a missing map key is nil, prints `<no value>`, and
 * a further field on it is an error. One Executor lives for one execution (one file for one
 * pod); it spends a step budget on every node, range iteration and KiB of text, caps output
 * size and nesting, and calls `lookup` at most once per distinct `secret` call.
 */

import { textSteps, type CallContext } from './arguments.js';
import type { ControlNode, Node, Operand, Pipeline, Program, SecretCall } from './ast.js';
import { BUILTINS } from './builtins.js';
import { CONSUL_FUNCTIONS } from './consul-functions.js';
import { FunctionFailure, type SourceMap } from './errors.js';
import { formatValue } from './go-format.js';
import type { TemplateLimits } from './limits.js';
import {
  field,
  importSecretEnvelope,
  isList,
  isMap,
  isTrue,
  sortedKeys,
  typeName,
  type GoStruct,
  type Value,
} from './values.js';

export type SecretLookup = (path: string, args: Readonly<Record<string, string>>) => unknown;

/** What {{break}} and {{continue}} pass up to their range; returned, not thrown, to stay cheap. */
type LoopSignal = 'break' | 'continue' | undefined;

interface Variable {
  readonly name: string;
  value: Value;
}

export function execute(
  program: Program,
  map: SourceMap,
  lookup: SecretLookup,
  limits: Readonly<TemplateLimits>,
): string {
  const executor = new Executor(program, lookup, limits);
  try {
    executor.walk(undefined, program.root);
  } catch (error) {
    if (error instanceof FunctionFailure) throw map.error(error.kind, executor.pos, error.message);
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw map.error('limit', executor.pos, 'template execution nested too deeply');
    }
    throw error; // the caller's lookup failed: keep its error (and its code) intact
  }
  return executor.output();
}

class Executor {
  pos = 0;
  readonly #chunks: string[] = [];
  #outputBytes = 0;
  #steps = 0;
  #depth = 0;
  #vars: Variable[] = [{ name: '$', value: undefined }];
  readonly #secrets = new Map<string, GoStruct>();
  readonly #context: CallContext;

  constructor(
    private readonly program: Program,
    private readonly lookup: SecretLookup,
    private readonly limits: Readonly<TemplateLimits>,
  ) {
    this.#context = { charge: (steps) => this.charge(steps), maxStringLength: limits.maxOutputBytes };
  }

  output(): string {
    return this.#chunks.join('');
  }

  private charge(steps: number): void {
    this.#steps += steps;
    if (this.#steps > this.limits.maxSteps) {
      throw new FunctionFailure(`template execution exceeded ${this.limits.maxSteps} steps`, 'limit');
    }
  }

  private at(pos: number): void {
    this.pos = pos;
    this.charge(1);
  }

  private enter(): void {
    if (++this.#depth > this.limits.maxDepth) {
      throw new FunctionFailure(
        `template execution nested deeper than ${this.limits.maxDepth} levels (recursive {{template}}?)`,
        'limit',
      );
    }
  }

  private write(text: string): void {
    this.#outputBytes += Buffer.byteLength(text, 'utf8');
    if (this.#outputBytes > this.limits.maxOutputBytes) {
      throw new FunctionFailure(`output is larger than ${this.limits.maxOutputBytes} bytes`, 'limit');
    }
    this.charge(textSteps(text.length));
    this.#chunks.push(text);
  }

  walk(dot: Value, nodes: readonly Node[]): LoopSignal {
    for (const node of nodes) {
      const signal = this.walkNode(dot, node);
      if (signal !== undefined) return signal;
    }
    return undefined;
  }

  private walkNode(dot: Value, node: Node): LoopSignal {
    this.at(node.pos);
    switch (node.type) {
      case 'text':
        this.write(node.text);
        return undefined;
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0)
          this.write(value === undefined ? '<no value>' : formatValue(value, this.#context.charge));
        return undefined;
      }
      case 'if':
      case 'with': {
        this.enter();
        const mark = this.#vars.length;
        const value = this.evalPipeline(dot, node.pipe);
        let signal: LoopSignal;
        if (isTrue(value)) signal = this.walk(node.type === 'with' ? value : dot, node.list);
        else if (node.elseList !== undefined) signal = this.walk(dot, node.elseList);
        this.#vars.length = mark;
        this.#depth--;
        return signal;
      }
      case 'range':
        this.walkRange(dot, node);
        return undefined;
      case 'template': {
        this.enter();
        const value = node.pipe === undefined ? undefined : this.evalPipeline(dot, node.pipe);
        const saved = this.#vars;
        // A called template sees only its own `$`, as in Go.
        this.#vars = [{ name: '$', value }];
        // The parser keeps break/continue inside their own range, so no signal crosses a call.
        this.walk(value, this.program.defines.get(node.name) ?? []);
        this.#vars = saved;
        this.#depth--;
        return undefined;
      }
      case 'break':
      case 'continue':
        return node.type;
    }
  }

  private walkRange(dot: Value, node: ControlNode): void {
    this.enter();
    const mark = this.#vars.length;
    const { decl, isAssign } = node.pipe;
    const value = this.evalCommands(dot, node.pipe);
    if (!isAssign) for (const name of decl) this.#vars.push({ name, value: undefined });
    const assign = (slot: number, item: Value): void => {
      const name = decl[slot];
      if (name === undefined) return;
      if (isAssign) this.setVar(name, item);
      else {
        const variable = this.#vars[mark + slot];
        if (variable !== undefined) variable.value = item;
      }
    };
    this.pos = node.pos; // errors about the ranged value point at the `range` keyword
    let iterations = 0;
    const iterate = (index: Value, element: Value): boolean => {
      this.at(node.pos);
      iterations++;
      if (decl.length === 1) assign(0, element);
      else {
        assign(0, index);
        assign(1, element);
      }
      const innerMark = this.#vars.length;
      const signal = this.walk(element, node.list);
      this.#vars.length = innerMark;
      return signal !== 'break';
    };
    if (isList(value)) {
      for (const [index, element] of value.entries()) if (!iterate(index, element)) break;
    } else if (isMap(value)) {
      this.charge(value.size);
      for (const key of sortedKeys(value)) if (!iterate(key, value.get(key))) break;
    } else if (typeof value === 'number' && Number.isInteger(value)) {
      if (decl.length > 1) throw new FunctionFailure("can't use an integer to iterate over more than one variable");
      for (let i = 0; i < value; i++) if (!iterate(i, i)) break;
    } else if (value !== undefined && value !== null) {
      throw new FunctionFailure(`range can't iterate over a value of type ${typeName(value)}`);
    }
    if (iterations === 0 && node.elseList !== undefined) this.walk(dot, node.elseList);
    this.#vars.length = mark;
    this.#depth--;
  }

  private evalPipeline(dot: Value, pipe: Pipeline): Value {
    const value = this.evalCommands(dot, pipe);
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.#vars.push({ name, value });
    }
    return value;
  }

  private evalCommands(dot: Value, pipe: Pipeline): Value {
    let value: Value;
    pipe.commands.forEach((command, stage) => {
      this.at(command.pos);
      const [first, ...args] = command.operands;
      if (first === undefined) return;
      const result =
        first.type === 'function'
          ? this.call(dot, first, args, stage > 0 ? { value } : undefined, command.secret)
          : this.evalOperand(dot, first);
      // Go digs a value out of its interface{} between commands: a nil becomes "no value".
      value = result === null ? undefined : result;
    });
    return value;
  }

  private evalOperand(dot: Value, operand: Operand): Value {
    this.at(operand.pos);
    switch (operand.type) {
      case 'field':
        return this.fieldChain(dot, operand.names);
      case 'variable':
        return this.fieldChain(this.varValue(operand.name), operand.names);
      case 'chain':
        return this.fieldChain(this.evalOperand(dot, operand.node), operand.names);
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'bool':
      case 'number':
      case 'string':
        return operand.value;
      case 'function':
        return this.call(dot, operand, [], undefined, undefined);
      case 'pipe': {
        this.enter();
        const value = this.evalPipeline(dot, operand.pipe);
        this.#depth--;
        return value;
      }
    }
  }

  private fieldChain(receiver: Value, names: readonly string[]): Value {
    let value = receiver;
    for (const name of names) value = field(value, name);
    return value;
  }

  private varValue(name: string): Value {
    for (let i = this.#vars.length - 1; i >= 0; i--) {
      const variable = this.#vars[i];
      if (variable?.name === name) return variable.value;
    }
    throw new FunctionFailure(`undefined variable: ${name}`);
  }

  private setVar(name: string, value: Value): void {
    for (let i = this.#vars.length - 1; i >= 0; i--) {
      const variable = this.#vars[i];
      if (variable?.name === name) {
        variable.value = value;
        return;
      }
    }
    throw new FunctionFailure(`undefined variable: ${name}`);
  }

  private call(
    dot: Value,
    fn: Extract<Operand, { type: 'function' }>,
    argOperands: readonly Operand[],
    final: { value: Value } | undefined,
    secret: SecretCall | undefined,
  ): Value {
    const name = fn.name;
    if (name === 'and' || name === 'or') {
      // Short-circuit like Go 1.18+: stop at the first false (and) or true (or) argument.
      let result: Value;
      for (const operand of argOperands) {
        result = this.evalOperand(dot, operand);
        if (isTrue(result) === (name === 'or')) return result;
      }
      return final === undefined ? result : final.value;
    }
    const args = argOperands.map((operand) => this.evalOperand(dot, operand) ?? null);
    if (final !== undefined) args.push(final.value ?? null);
    let text = 0;
    for (const arg of args) if (typeof arg === 'string') text += arg.length;
    this.charge(textSteps(text));
    this.pos = fn.pos;
    try {
      const result = secret === undefined ? this.builtin(name, args) : this.secret(secret);
      // What a function built costs what building it did: its text, or one step per element
      // (`split` of a large string makes a list as long as the string).
      if (typeof result === 'string') {
        if (result.length > this.limits.maxOutputBytes)
          throw new FunctionFailure('result is larger than the output limit', 'limit');
        this.charge(textSteps(result.length));
      } else if (isList(result)) this.charge(result.length);
      else if (isMap(result)) this.charge(result.size);
      this.pos = fn.pos;
      return result;
    } catch (error) {
      if (!(error instanceof FunctionFailure)) throw error;
      this.pos = fn.pos;
      throw new FunctionFailure(`error calling ${name}: ${error.message}`, error.kind);
    }
  }

  private builtin(name: string, args: readonly Value[]): Value {
    const impl = BUILTINS.get(name) ?? CONSUL_FUNCTIONS.get(name);
    if (impl === undefined) throw new FunctionFailure(`function "${name}" is not implemented`);
    return impl(this.#context, args);
  }

  private secret(call: SecretCall): GoStruct {
    const key = JSON.stringify([call.path, Object.entries(call.args).sort()]);
    let envelope = this.#secrets.get(key);
    if (envelope === undefined) {
      envelope = importSecretEnvelope(this.lookup(call.path, call.args), this.#context.charge);
      this.#secrets.set(key, envelope);
    }
    return envelope;
  }
}
