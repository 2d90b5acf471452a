/**
 * Cursor over the token array for the parser, plus positioned errors and the nesting counter
 * that keeps recursive descent within `maxDepth`. Lives for one parse.
 */

import type { SourceMap, TemplateError } from './errors.js';
import type { Token, TokenType } from './lexer.js';
import type { TemplateLimits } from './limits.js';

export type { Token } from './lexer.js';

export class TokenStream {
  protected index = 0;
  protected depth = 0;

  constructor(
    protected readonly tokens: readonly Token[],
    protected readonly map: SourceMap,
    protected readonly limits: Readonly<TemplateLimits>,
  ) {}

  protected error(pos: number, detail: string): TemplateError {
    return this.map.error('parse', pos, detail);
  }

  protected next(): Token {
    const token = this.tokens[this.index] ?? this.tokens[this.tokens.length - 1];
    if (this.index < this.tokens.length - 1) this.index++;
    if (token === undefined) throw new Error('lexer produced no tokens');
    return token;
  }

  protected peek(): Token {
    const token = this.next();
    this.index--;
    return token;
  }

  protected nextNonSpace(): Token {
    let token = this.next();
    while (token.type === 'space') token = this.next();
    return token;
  }

  protected peekNonSpace(): Token {
    const saved = this.index;
    const token = this.nextNonSpace();
    this.index = saved;
    return token;
  }

  protected expect(type: TokenType, context: string): Token {
    const token = this.nextNonSpace();
    if (token.type !== type) throw this.unexpected(token, context);
    return token;
  }

  protected unexpected(token: Token, context: string): TemplateError {
    const what = token.type === 'eof' ? 'EOF' : token.type === 'rightDelim' ? '"}}"' : JSON.stringify(token.value);
    return this.error(token.pos, `unexpected ${what} in ${context}`);
  }

  protected enter(pos: number): void {
    if (++this.depth > this.limits.maxDepth) {
      throw this.map.error('limit', pos, `template nesting is deeper than ${this.limits.maxDepth} levels`);
    }
  }

  protected leave(): void {
    this.depth--;
  }
}
