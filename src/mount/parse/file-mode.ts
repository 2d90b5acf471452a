/**
 * File modes as users write them. The Go provider decodes `filePermission` with yaml.v3, which
 * reads a leading-zero integer (`0600`) as OCTAL, YAML 1.1 style; existing SecretProviderClasses
 * rely on that, so we do too (the YAML 1.2 core schema would read 600 decimal).
 */

/** Largest permission bits we accept: rwx for user, group and other; no setuid/setgid/sticky. */
export const MAX_FILE_MODE = 0o777;

/** The mode the driver sends in `permission` ("420" = 0644), and our default when it is absent. */
export const DEFAULT_FILE_MODE = 0o644;

/**
 * Parses the integer literals yaml.v3 accepts for a mode: `0600` and `0o600` (octal), `420`
 * (decimal), `0x1a4` (hex). Undefined for anything else (`0999`, `6e2`, `rw-r--r--`, signs).
 */
export function parseModeLiteral(text: string): number | undefined {
  if (/^0[0-7]+$/.test(text)) return Number.parseInt(text.slice(1), 8);
  if (/^0o[0-7]+$/.test(text)) return Number.parseInt(text.slice(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^(0|[1-9][0-9]*)$/.test(text)) return Number.parseInt(text, 10);
  return undefined;
}

export function formatMode(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

/** True for an integer in 0..0o777. */
export function isFileMode(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_FILE_MODE;
}
