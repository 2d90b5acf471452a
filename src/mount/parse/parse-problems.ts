/**
 * The problems found while parsing a SecretProviderClass's parameters, each with where it is.
 * A Mount stops at the first one (its error reaches the pod's events); `check` lists them all.
 * Both run the same checks in the same order, so the first problem `check` lists is the error a
 * Mount reports. Lives for one parse.
 */
import { InvalidParameterError } from '../../errors.js';

export interface ProblemLocation {
  /** The SPC parameter: `roleName`, `vaultAddress`, `objects`. */
  readonly parameter: string;
  /** For `objects`: the entry, when the problem is about one. */
  readonly objectIndex?: number;
  /** For `objects`: the entry's field, when the problem is about one. */
  readonly field?: string;
}

export interface ParseProblem extends ProblemLocation {
  readonly error: InvalidParameterError;
}

export class ParseProblems {
  private readonly found: ParseProblem[] = [];

  get list(): readonly ParseProblem[] {
    return this.found;
  }

  get size(): number {
    return this.found.length;
  }

  add(location: ProblemLocation, error: InvalidParameterError | string): void {
    this.found.push({ ...location, error: typeof error === 'string' ? new InvalidParameterError(error) : error });
  }

  /**
   * Runs a check written to throw InvalidParameterError (the shared validators); records the
   * error at `location` and returns undefined instead. Any other error is a bug and propagates.
   */
  attempt<T>(location: ProblemLocation, check: () => T): T | undefined {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof InvalidParameterError)) throw error;
      this.add(location, error);
      return undefined;
    }
  }

  /** A Mount's rule: the first problem is its error. */
  throwFirst(): void {
    const first = this.found[0];
    if (first !== undefined) throw first.error;
  }
}
