/**
 * The one error type the template engine throws (besides whatever the caller's `lookup` throws,
 * which passes through untouched so provider error codes survive).
 *
 * Messages name positions, functions, fields, variables, template names and value *types* only.
 * They never quote a value that came from Vault, because template errors end up in pod events
 * and logs.
 */

export type TemplateErrorKind = 'parse' | 'exec' | 'limit';

export type TemplateErrorCode = 'ERR_TEMPLATE_PARSE' | 'ERR_TEMPLATE_EXEC' | 'ERR_TEMPLATE_LIMIT';

const CODES: Readonly<Record<TemplateErrorKind, TemplateErrorCode>> = {
  parse: 'ERR_TEMPLATE_PARSE',
  exec: 'ERR_TEMPLATE_EXEC',
  limit: 'ERR_TEMPLATE_LIMIT',
};

export class TemplateError extends Error {
  /** 1-based line of the node that failed. */
  readonly line: number;
  /** 1-based column, counted in Unicode code points (Go counts bytes). */
  readonly column: number;
  readonly kind: TemplateErrorKind;
  /** Stable code for callers that branch on errors (STYLE rule 3). */
  readonly code: TemplateErrorCode;
  /** The message without the position prefix. */
  readonly detail: string;

  constructor(kind: TemplateErrorKind, line: number, column: number, detail: string) {
    super(`template line ${line}, column ${column}: ${detail}`);
    this.name = 'TemplateError';
    this.kind = kind;
    this.code = CODES[kind];
    this.line = line;
    this.column = column;
    this.detail = detail;
  }
}

/**
 * Thrown by function implementations, which do not know where they were called from; the
 * executor adds the position of the call and turns it into a TemplateError.
 */
export class FunctionFailure extends Error {
  readonly kind: 'exec' | 'limit';
  constructor(detail: string, kind: 'exec' | 'limit' = 'exec') {
    super(detail);
    this.name = 'FunctionFailure';
    this.kind = kind;
  }
}

/**
 * Maps source offsets to line/column. Lives as long as one parsed template; computed once so
 * errors at execution time can still be positioned.
 */
export class SourceMap {
  readonly #source: string;
  readonly #lineStarts: number[] = [0];

  constructor(source: string) {
    this.#source = source;
    for (let i = 0; i < source.length; i++) {
      if (source.charCodeAt(i) === 10) this.#lineStarts.push(i + 1);
    }
  }

  position(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.#lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.#lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    const start = this.#lineStarts[low] ?? 0;
    // Count code points, not UTF-16 units, so an emoji earlier on the line counts once.
    let column = 1;
    for (let i = start; i < offset && i < this.#source.length; i++) {
      const unit = this.#source.charCodeAt(i);
      if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < offset) {
        const next = this.#source.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) i++;
      }
      column++;
    }
    return { line: low + 1, column };
  }

  error(kind: TemplateErrorKind, offset: number, detail: string): TemplateError {
    const { line, column } = this.position(offset);
    return new TemplateError(kind, line, column, detail);
  }
}
