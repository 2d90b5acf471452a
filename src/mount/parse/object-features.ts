/**
 * Parsing of the additive object fields (`jmesPath`, `format`, `template`, `pki`, `keyFormat`)
 * at the `objects` boundary, with the rules that keep each file's meaning unambiguous:
 * - `secretKey` and `jmesPath` are alternative selections (one or neither);
 * - `format` writes the selection as one file; `pki` picks a part of a PKI answer;
 * - `template` renders from its own `secret` calls, so it takes no `secretPath`, `secretKey`,
 *   `jmesPath`, `format`, `pki`, `method` or `secretArgs`;
 * - `keyFormat` only with `pki: private-key` or `pki: bundle`.
 * Docs: docs/selection.md, formats.md, templates.md, pki.md.
 */
import { InvalidParameterError } from '../../errors.js';
import { compile } from '@jmespath-community/jmespath';
import { KEY_FORMATS, OUTPUT_FORMATS, PKI_PARTS, type SecretObjectSpec } from '../spec/mount-spec.js';
import { shownText } from './shown-text.js';
import { didYouMean } from './suggest.js';
import { checkTemplate, readsOf } from './template-source.js';
import type { ParseProblems, ProblemLocation } from './parse-problems.js';

export const FEATURE_FIELDS = ['jmesPath', 'format', 'template', 'pki', 'keyFormat'] as const;
export type FeatureField = (typeof FEATURE_FIELDS)[number];

/** Longest accepted expression: far above any real selection, bounds parse time. */
export const MAX_JMESPATH_LENGTH = 1024;

/** Validates a `jmesPath` field at parse time; the message is the library's syntax error. */
export function checkJmesPath(expression: string, label: string): void {
  if (expression.length > MAX_JMESPATH_LENGTH) {
    throw new InvalidParameterError(`${label}: field "jmesPath" is longer than ${MAX_JMESPATH_LENGTH} characters`);
  }
  try {
    compile(expression);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'syntax error';
    throw new InvalidParameterError(
      `${label}: field "jmesPath" is not a valid JMESPath expression (${reason}); see docs/selection.md`,
    );
  }
}

/** The additive fields of an object, as its spec holds them. */
export type ObjectFeatures = Pick<
  SecretObjectSpec,
  'jmesPath' | 'format' | 'template' | 'templateReads' | 'pki' | 'keyFormat'
>;

/**
 * `text(field)` gives a field as written ("" when absent); `present(field)` says whether a
 * compatible field was written at all. Each problem is recorded in `problems` at `location`
 * (one entry of `objects`) and the field left out, so every conflict of an entry is named.
 */
export function parseObjectFeatures(
  text: (field: FeatureField) => string,
  present: (field: 'secretPath' | 'secretKey' | 'method' | 'secretArgs') => boolean,
  label: string,
  problems: ParseProblems,
  location: ProblemLocation,
): ObjectFeatures {
  const report = (field: string, why: string): void => problems.add({ ...location, field }, `${label}: ${why}`);
  const conflict = (a: string, b: string, why: string): void =>
    report(b, `fields "${a}" and "${b}" cannot be used together; ${why}`);
  const pick = <T extends string>(field: FeatureField, allowed: readonly T[], doc: string): T | undefined => {
    const written = text(field);
    if (written === '') return undefined;
    const found = allowed.find((candidate) => candidate === written.toLowerCase());
    if (found !== undefined) return found;
    report(
      field,
      `field "${field}" ${shownText(written)} is not supported${didYouMean(written, allowed)}; ` +
        `use one of ${allowed.join(', ')} (${doc})`,
    );
    return undefined;
  };
  const jmesPath = text('jmesPath');
  const format = pick('format', OUTPUT_FORMATS, 'docs/formats.md');
  const pki = pick('pki', PKI_PARTS, 'docs/pki.md');
  const keyFormat = pick('keyFormat', KEY_FORMATS, 'docs/pki.md');
  const template = text('template');

  if (jmesPath !== '') {
    if (present('secretKey')) conflict('secretKey', 'jmesPath', 'both select a value; keep one');
    problems.attempt({ ...location, field: 'jmesPath' }, () => checkJmesPath(jmesPath, label));
  }
  if (pki !== undefined) {
    if (present('secretKey')) conflict('pki', 'secretKey', 'pki reads the issuance fields itself');
    if (jmesPath !== '') conflict('pki', 'jmesPath', 'pki reads the issuance fields itself');
    if (format !== undefined) conflict('pki', 'format', 'a PKI part is always PEM');
  }
  if (keyFormat !== undefined && pki !== 'private-key' && pki !== 'bundle') {
    report('keyFormat', 'field "keyFormat" only applies with pki: private-key or pki: bundle (docs/pki.md)');
  }
  if (template !== '') {
    for (const field of ['secretPath', 'secretKey', 'method', 'secretArgs'] as const) {
      if (present(field)) conflict('template', field, 'a template names its reads with {{ secret "path" }}');
    }
    if (jmesPath !== '') conflict('template', 'jmesPath', 'select inside the template instead');
    if (format !== undefined) conflict('template', 'format', 'the template defines the file layout');
    if (pki !== undefined) conflict('template', 'pki', 'read the PKI fields with .Data in the template');
  }
  const checked =
    template === ''
      ? undefined
      : problems.attempt({ ...location, field: 'template' }, () => checkTemplate(template, label));
  const templateReads = checked === undefined ? undefined : readsOf(checked);
  return {
    ...(jmesPath === '' ? {} : { jmesPath }),
    ...(format === undefined ? {} : { format }),
    ...(template === '' ? {} : { template }),
    ...(templateReads === undefined ? {} : { templateReads }),
    ...(pki === undefined ? {} : { pki }),
    ...(keyFormat === undefined ? {} : { keyFormat }),
  };
}

/**
 * The additive fields' part of the object-version input, appended after the Go fields only
 * when set, so objects that use only compatible fields keep Go's versions.
 */
export function featureConfigJson(object: ObjectFeatures, json: (value: unknown) => string): string {
  const members: string[] = [];
  if (object.jmesPath !== undefined) members.push(`"JmesPath":${json(object.jmesPath)}`);
  if (object.format !== undefined) members.push(`"Format":${json(object.format)}`);
  if (object.template !== undefined) members.push(`"Template":${json(object.template)}`);
  if (object.pki !== undefined) members.push(`"Pki":${json(object.pki)}`);
  if (object.keyFormat !== undefined) members.push(`"KeyFormat":${json(object.keyFormat)}`);
  return members.map((member) => `,${member}`).join('');
}
