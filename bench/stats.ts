/** Percentiles and the benchmark's output: a table for people, one JSON line per figure for machines. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export interface Figure {
  readonly scenario: string;
  readonly figure: string;
  /** Which provider it was measured on (`ts@node20`, `go`, …); absent for the run as a whole. */
  readonly target?: string;
  readonly value: number;
  readonly unit: string;
  /** Human statement of the goal, e.g. "<= 1.3". */
  readonly goal?: string;
  readonly met?: boolean;
}

/** A goal as text and its test, so a figure states both the same way. */
export interface Goal {
  readonly text: string;
  readonly met: (value: number) => boolean;
}

export const atMost = (limit: number): Goal => ({ text: `<= ${limit}`, met: (value) => value <= limit });
export const below = (limit: number): Goal => ({ text: `< ${limit}`, met: (value) => value < limit });

export class Report {
  readonly figures: Figure[] = [];

  add(figure: Omit<Figure, 'goal' | 'met'> & { readonly goal?: Goal }): void {
    const { goal, ...rest } = figure;
    const full: Figure = goal === undefined ? rest : { ...rest, goal: goal.text, met: goal.met(rest.value) };
    this.figures.push(full);
    process.stdout.write(`${JSON.stringify({ bench: 'vault-csi-provider-ts', ...full, value: round(full.value) })}\n`);
  }

  table(): string {
    const rows = this.figures.map((f) => [
      f.scenario,
      f.figure,
      f.target ?? '',
      `${round(f.value)} ${f.unit}`,
      f.goal ?? '',
      f.met === undefined ? '' : f.met ? 'met' : 'NOT met',
    ]);
    const header = ['scenario', 'figure', 'provider', 'value', 'goal', ''];
    const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
    const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
    return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
