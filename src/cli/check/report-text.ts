/**
 * The human form of a `check` report: per SecretProviderClass a header, its findings as
 * `file:line: severity: message` (the form editors and CI logs link), then for a valid one the
 * files it would mount; a closing line with the counts.
 */
import type { CheckReport, Finding, SpcReport } from './check-report.js';

/** Rendered template samples, shown under their file (the sample data is the user's own). */
export type SampleTexts = ReadonlyMap<SpcReport, ReadonlyMap<string, string>>;

function plural(count: number, word: string, suffix = 's'): string {
  return `${count} ${word}${count === 1 ? '' : suffix}`;
}

function where(finding: Finding): string {
  const { file, line } = finding.location;
  return line === undefined ? file : `${file}:${line}`;
}

export function formatFinding(finding: Finding, indent = '  '): string {
  const fix = finding.fix === undefined ? '' : `${indent}  fix: ${finding.fix}\n`;
  return `${indent}${where(finding)}: ${finding.severity}: ${finding.message}\n${fix}`;
}

function byLine(a: Finding, b: Finding): number {
  return (a.location.line ?? Number.MAX_SAFE_INTEGER) - (b.location.line ?? Number.MAX_SAFE_INTEGER);
}

function header(spc: SpcReport, findings: readonly Finding[], multipleDocuments: boolean): string {
  const name = spc.name === undefined ? 'SecretProviderClass (no name)' : `SecretProviderClass "${spc.name}"`;
  const at = multipleDocuments ? `${spc.file}, document ${spc.document}` : spc.file;
  const errors = findings.filter((finding) => finding.severity === 'error').length;
  const warnings = findings.length - errors;
  const counts = [errors > 0 ? plural(errors, 'error') : '', warnings > 0 ? plural(warnings, 'warning') : '']
    .filter((part) => part !== '')
    .join(', ');
  return `${name} (${at}): ${spc.valid ? 'valid' : 'INVALID'}${counts === '' ? '' : `, ${counts}`}\n`;
}

function belongsTo(finding: Finding, spc: SpcReport): boolean {
  return finding.location.file === spc.file && finding.location.document === spc.document;
}

export function formatReport(report: CheckReport, samples: SampleTexts, vaultAddress?: string): string {
  let text = '';
  const documentsPerFile = new Map<string, number>();
  for (const spc of report.secretProviderClasses)
    documentsPerFile.set(spc.file, Math.max(documentsPerFile.get(spc.file) ?? 0, spc.document));
  const shown = new Set<Finding>();
  report.secretProviderClasses.forEach((spc, index) => {
    const own = report.findings.filter((finding) => belongsTo(finding, spc) && finding.location.spc === spc.name);
    for (const finding of own) shown.add(finding);
    const lint = own.filter((finding) => finding.rule !== 'sample-data' && finding.rule !== 'capability');
    if (index > 0) text += '\n';
    // The header judges the SPC itself; sample and capability results have their own lines.
    text += header(spc, lint, (documentsPerFile.get(spc.file) ?? 1) > 1);
    if (spc.role !== undefined) {
      const vault = spc.vaultAddress === undefined ? '' : `, Vault ${spc.vaultAddress}`;
      text += `  role "${spc.role}" via auth/${spc.authMountPath ?? ''}, token audience "${spc.audience ?? ''}"${vault}\n`;
    }
    for (const finding of [...lint].sort(byLine)) text += formatFinding(finding);
    if (!spc.valid) return;
    const requests = spc.vaultRequests ?? 0;
    text += `\n${plural(spc.files.length, 'file')}, ${plural(requests, 'Vault request')} per mount:\n`;
    const sampleTexts = samples.get(spc);
    spc.files.forEach((file, objectIndex) => {
      text += `  ${file.objectName} (${file.mode})\n`;
      for (const read of file.reads) text += `    reads     ${read}\n`;
      text += `    contains  ${file.contains}\n`;
      const problem = own.find(
        (finding) => finding.rule === 'sample-data' && finding.location.objectIndex === objectIndex,
      );
      if (problem !== undefined) text += `    error: ${problem.message}\n`;
      if (file.sampleBytes === undefined) return;
      const rendered = sampleTexts?.get(file.objectName);
      text += `    sample    ${plural(file.sampleBytes, 'byte')}, ${plural(file.sampleLines ?? 0, 'line')}\n`;
      if (rendered === undefined) return;
      for (const line of rendered.replace(/\n$/, '').split('\n'))
        text += line === '' ? '      |\n' : `      | ${line}\n`;
    });
    const capabilityProblems = own.filter((finding) => finding.rule === 'capability');
    if (spc.capabilities !== undefined || capabilityProblems.length > 0) {
      text += `\ncapabilities of role "${spc.role ?? ''}"${vaultAddress === undefined ? '' : ` at ${vaultAddress}`}:\n`;
      for (const result of spc.capabilities ?? []) {
        const line = `${result.needed.padEnd(7)} ${result.method} ${result.path}`;
        text += result.ok
          ? `  ok       ${line}\n`
          : `  MISSING  ${line} (granted: ${result.granted.join(', ') || 'none'})\n`;
      }
      // Without results the check itself failed: say why.
      if (spc.capabilities === undefined)
        for (const finding of capabilityProblems) text += `  error: ${finding.message}\n`;
    }
  });
  const elsewhere = report.findings.filter((finding) => !shown.has(finding));
  if (elsewhere.length > 0) {
    text += report.secretProviderClasses.length > 0 ? '\n' : '';
    for (const finding of [...elsewhere].sort(byLine)) text += formatFinding(finding, '');
  }
  const { summary } = report;
  const counts = `${plural(summary.secretProviderClasses, 'SecretProviderClass', 'es')} in ${plural(summary.files, 'file')}`;
  const problems = [plural(summary.errors, 'error'), plural(summary.warnings, 'warning')].join(', ');
  if (!report.ok)
    text += `\nFAILED: ${counts}: ${problems}${report.strict && summary.errors === 0 ? ' (--strict)' : ''}\n`;
  else if (summary.warnings > 0) text += `\nOK: ${counts}, ${plural(summary.warnings, 'warning')}\n`;
  else text += `\nOK: ${counts}\n`;
  return text;
}
