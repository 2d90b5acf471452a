/**
 * Recursive-descent parser for the supported subset of Go's text/template grammar. Beyond Go's
 * parser it also checks, before anything runs: every function name (refusing the ones that
 * would leave the sandbox), argument counts, `secret` arguments being string constants (so the
 * reads can be planned), {{template}} names, and a nesting limit that keeps the JavaScript stack
 * safe for any input.
 */

import type { Command, Node, Operand, Pipeline, Program, SecretCall } from './ast.js';
import { checkCommand, describe } from './command-check.js';
import type { SourceMap } from './errors.js';
import { refusal } from './function-catalog.js';
import { lex, type TokenType } from './lexer.js';
import type { TemplateLimits } from './limits.js';
import { parseNumber, unquoteChar, unquoteString } from './literals.js';
import { TokenStream, type Token } from './token-stream.js';

interface ListEnd {
  kind: 'end' | 'else' | 'eof';
  token: Token;
}

export function parse(source: string, map: SourceMap, limits: Readonly<TemplateLimits>): Program {
  return new Parser(lex(source, map), map, limits).parseProgram();
}

class Parser extends TokenStream {
  #rangeDepth = 0;
  #vars: string[] = ['$'];
  readonly #defines = new Map<string, readonly Node[]>();
  readonly #calls: { name: string; pos: number }[] = [];
  readonly #secretCalls: SecretCall[] = [];
  readonly #secretKeys = new Set<string>();

  parseProgram(): Program {
    const { nodes, end } = this.list(true);
    if (end.kind !== 'eof') throw this.error(end.token.pos, `unexpected {{${end.kind}}}`);
    for (const call of this.#calls) {
      if (!this.#defines.has(call.name)) throw this.error(call.pos, `no such template ${JSON.stringify(call.name)}`);
    }
    return { root: nodes, defines: this.#defines, secretCalls: this.#secretCalls };
  }

  // --- lists and actions ----------------------------------------------------------------------

  private list(topLevel: boolean): { nodes: Node[]; end: ListEnd } {
    const nodes: Node[] = [];
    for (;;) {
      const token = this.next();
      if (token.type === 'eof') return { nodes, end: { kind: 'eof', token } };
      if (token.type === 'text') {
        nodes.push({ type: 'text', pos: token.pos, text: token.value });
        continue;
      }
      // Only text, actions and EOF reach here: the lexer emits nothing else outside actions.
      const keyword = this.peekNonSpace();
      if (keyword.type === 'keyword' && keyword.value === 'define') {
        if (!topLevel) throw this.error(keyword.pos, 'define is only allowed at the top level');
        this.nextNonSpace();
        this.define(keyword.pos);
        continue;
      }
      const node = this.action();
      if (node === 'end' || node === 'else') return { nodes, end: { kind: node, token: keyword } };
      nodes.push(node);
    }
  }

  private action(): Node | 'end' | 'else' {
    const token = this.nextNonSpace();
    if (token.type === 'keyword') {
      switch (token.value) {
        case 'if':
        case 'with':
        case 'range':
          return this.control(token.value, token.pos);
        case 'else': {
          const after = this.peekNonSpace();
          if (!(after.type === 'keyword' && (after.value === 'if' || after.value === 'with')))
            this.expect('rightDelim', '{{else}}');
          return 'else';
        }
        case 'end':
          this.expect('rightDelim', '{{end}}');
          return 'end';
        case 'template':
          return this.templateCall(token.pos);
        case 'block':
          return this.block(token.pos);
        case 'break':
        case 'continue':
          if (this.#rangeDepth === 0) throw this.error(token.pos, `{{${token.value}}} outside {{range}}`);
          this.expect('rightDelim', `{{${token.value}}}`);
          return { type: token.value, pos: token.pos };
        default:
          throw this.error(token.pos, `unexpected ${token.value} in command`);
      }
    }
    this.index--;
    const pipe = this.pipeline('command', 'rightDelim');
    return { type: 'action', pos: pipe.pos, pipe };
  }

  private control(type: 'if' | 'with' | 'range', pos: number): Node {
    this.enter(pos);
    const mark = this.#vars.length;
    const pipe = this.pipeline(type, 'rightDelim');
    if (type === 'range') this.#rangeDepth++;
    const parsed = this.list(false);
    const list = parsed.nodes;
    let end = parsed.end;
    if (type === 'range') this.#rangeDepth--;
    let elseList: Node[] | undefined;
    if (end.kind === 'else') {
      const after = this.peekNonSpace();
      const chained = after.type === 'keyword' && (after.value === 'if' || after.value === 'with');
      if (chained && (type === 'range' || after.value !== type)) {
        throw this.error(after.pos, `{{else ${after.value}}} cannot continue {{${type}}}`);
      }
      if (chained) {
        // `{{else if x}}` is `{{else}}{{if x}}…{{end}}` sharing the final {{end}}.
        this.nextNonSpace();
        elseList = [this.control(type, after.pos)];
        end = { kind: 'end', token: after };
      } else {
        ({ nodes: elseList, end } = this.list(false));
      }
    }
    if (end.kind !== 'end') {
      throw end.kind === 'eof'
        ? this.error(end.token.pos, `unexpected EOF: {{${type}}} has no {{end}}`)
        : this.error(end.token.pos, `expected end; found {{else}}`);
    }
    this.#vars.length = mark;
    this.leave();
    return { type, pos, pipe, list, elseList };
  }

  private templateName(context: string): string {
    const token = this.nextNonSpace();
    if (token.type !== 'string') throw this.unexpected(token, context);
    const result = unquoteString(token.value);
    if ('error' in result) throw this.error(token.pos, result.error);
    return result.value;
  }

  private templateCall(pos: number): Node {
    const name = this.templateName('template clause');
    this.#calls.push({ name, pos });
    if (this.peekNonSpace().type === 'rightDelim') {
      this.nextNonSpace();
      return { type: 'template', pos, name, pipe: undefined };
    }
    return { type: 'template', pos, name, pipe: this.pipeline('template clause', 'rightDelim') };
  }

  /** A definition body: its own `$`, no enclosing variables or range. */
  private body(pos: number, context: string): Node[] {
    const saved = { vars: this.#vars, rangeDepth: this.#rangeDepth };
    this.#vars = ['$'];
    this.#rangeDepth = 0;
    this.enter(pos);
    const { nodes, end } = this.list(false);
    if (end.kind !== 'end')
      throw this.error(end.token.pos, `unexpected ${end.kind === 'eof' ? 'EOF' : '{{else}}'} in ${context}`);
    this.leave();
    this.#vars = saved.vars;
    this.#rangeDepth = saved.rangeDepth;
    return nodes;
  }

  private define(pos: number): void {
    const name = this.templateName('define clause');
    this.expect('rightDelim', 'define clause');
    this.add(name, this.body(pos, 'define clause'), pos);
  }

  private block(pos: number): Node {
    const name = this.templateName('block clause');
    const pipe = this.pipeline('block clause', 'rightDelim');
    this.add(name, this.body(pos, 'block clause'), pos);
    this.#calls.push({ name, pos });
    return { type: 'template', pos, name, pipe };
  }

  /** Go's rule: an empty definition never replaces, two non-empty ones conflict. */
  private add(name: string, nodes: Node[], pos: number): void {
    const isEmpty = (list: readonly Node[]): boolean =>
      list.every((node) => node.type === 'text' && node.text.trim() === '');
    const existing = this.#defines.get(name);
    if (existing === undefined || isEmpty(existing)) this.#defines.set(name, nodes);
    else if (!isEmpty(nodes)) throw this.error(pos, `multiple definition of template ${JSON.stringify(name)}`);
  }

  // --- pipelines ------------------------------------------------------------------------------

  private pipeline(context: string, endType: 'rightDelim' | 'rightParen'): Pipeline {
    const start = this.peekNonSpace();
    const decl: string[] = [];
    let isAssign = false;
    if (start.type === 'variable') {
      const saved = this.index;
      this.nextNonSpace();
      let next = this.peekNonSpace();
      if (next.type === 'other' && next.value === ',') {
        if (context !== 'range') throw this.error(next.pos, `too many declarations in ${context}`);
        this.nextNonSpace();
        const second = this.nextNonSpace();
        if (second.type !== 'variable') throw this.error(second.pos, 'range can only initialize variables');
        decl.push(start.value, second.value);
        next = this.peekNonSpace();
        if (next.type !== 'declare' && next.type !== 'assign') throw this.unexpected(next, context);
      } else if (next.type === 'declare' || next.type === 'assign') {
        decl.push(start.value);
      } else {
        this.index = saved;
      }
      if (decl.length > 0) {
        isAssign = this.nextNonSpace().type === 'assign';
        if (isAssign) for (const name of decl) this.useVariable(name, start.pos);
      }
    }
    const commands: Command[] = [];
    for (;;) {
      commands.push(this.command(commands.length, endType, context));
      const token = this.nextNonSpace();
      if (token.type === endType) break;
      if (token.type !== 'pipe') throw this.unexpected(token, context);
    }
    if (!isAssign) this.#vars.push(...decl);
    return { pos: start.pos, decl, isAssign, commands };
  }

  private command(stage: number, endType: TokenType, context: string): Command {
    const operands: Operand[] = [];
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) operands.push(operand);
      const token = this.next();
      if (token.type === 'space') continue;
      if (token.type === endType || token.type === 'pipe') {
        this.index--;
        break;
      }
      throw this.unexpected(token, operand === undefined ? context : 'operand');
    }
    const first = operands[0];
    if (first === undefined) throw this.error(this.peek().pos, `missing value for ${context}`);
    const checked = checkCommand(first, operands, stage);
    if ('error' in checked) throw this.error(checked.pos, checked.error);
    const secret = checked.command.secret;
    if (secret !== undefined) {
      const key = JSON.stringify([secret.path, Object.entries(secret.args).sort()]);
      if (!this.#secretKeys.has(key)) {
        this.#secretKeys.add(key);
        this.#secretCalls.push(secret);
      }
    }
    return checked.command;
  }

  private operand(): Operand | undefined {
    const term = this.term();
    if (term === undefined || this.peek().type !== 'field') return term;
    const names: string[] = [];
    while (this.peek().type === 'field') names.push(this.next().value.slice(1));
    switch (term.type) {
      case 'field':
        return { ...term, names: [...term.names, ...names] };
      case 'variable':
        return { ...term, names: [...term.names, ...names] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        throw this.error(term.pos, `unexpected . after term ${describe(term)}`);
      default:
        return { type: 'chain', pos: term.pos, node: term, names };
    }
  }

  private useVariable(name: string, pos: number): void {
    if (!this.#vars.includes(name)) throw this.error(pos, `undefined variable ${JSON.stringify(name)}`);
  }

  private term(): Operand | undefined {
    const token = this.nextNonSpace();
    const pos = token.pos;
    switch (token.type) {
      case 'identifier': {
        const refused = refusal(token.value);
        if (refused !== undefined) throw this.error(pos, refused);
        return { type: 'function', pos, name: token.value };
      }
      case 'dot':
        return { type: 'dot', pos };
      case 'nil':
        return { type: 'nil', pos };
      case 'bool':
        return { type: 'bool', pos, value: token.value === 'true' };
      case 'field':
        return { type: 'field', pos, names: [token.value.slice(1)] };
      case 'variable':
        this.useVariable(token.value, pos);
        return { type: 'variable', pos, name: token.value, names: [] };
      case 'number':
      case 'char': {
        const result = token.type === 'char' ? unquoteChar(token.value) : parseNumber(token.value);
        if ('error' in result) throw this.error(pos, result.error);
        return { type: 'number', pos, value: result.value };
      }
      case 'string': {
        const result = unquoteString(token.value);
        if ('error' in result) throw this.error(pos, result.error);
        return { type: 'string', pos, value: result.value };
      }
      case 'leftParen': {
        this.enter(pos);
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
        this.leave();
        return { type: 'pipe', pos, pipe };
      }
      default:
        this.index--;
        return undefined;
    }
  }
}
