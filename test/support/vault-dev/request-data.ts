/**
 * Request body → request data, as Vault's HTTP layer parses it (vault-api.md §1.1): JSON
 * regardless of Content-Type, form-encoded only when declared and not JSON-looking, empty body
 * = no data, and Go-style messages for bad JSON.
 */
import { errorResponse } from './errors.js';

function goJsonError(text: string, error: Error): string {
  if (/Unexpected end of JSON input|Unterminated/.test(error.message)) return 'unexpected EOF';
  const token =
    /Unexpected token '?(.)'?/.exec(error.message)?.[1] ??
    /Unexpected (?:non-whitespace )?character/.exec(error.message)?.[0];
  const position = Number(/position (\d+)/.exec(error.message)?.[1] ?? NaN);
  const char = Number.isNaN(position) ? (token ?? text.trim()[0] ?? '') : (text[position] ?? '');
  return `invalid character '${char}' looking for beginning of value`;
}

export function parseRequestData(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  const text = body.toString('utf8');
  const trimmed = text.trim();
  if (trimmed === '') return {};
  if ((contentType ?? '').includes('application/x-www-form-urlencoded') && !/^[{[]/.test(trimmed)) {
    return Object.fromEntries(new URLSearchParams(trimmed));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw errorResponse(`failed to parse JSON input: ${goJsonError(text, error as Error)}`);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = Array.isArray(parsed)
      ? 'array'
      : typeof parsed === 'string'
        ? 'string'
        : typeof parsed === 'number'
          ? 'number'
          : 'bool';
    throw errorResponse(
      `failed to parse JSON input: json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`,
    );
  }
  return parsed as Record<string, unknown>;
}
