/**
 * Start-up and shutdown as one list: whatever starts pushes how it stops, and closing runs the
 * closers in reverse order, each one even when another fails. A failed start closes what already
 * started; a stop closes everything; closing twice closes nothing twice. Lives as long as the
 * thing it stops (one per provider process).
 */

export interface Closer {
  /** Names the part in the error when its close fails. */
  readonly name: string;
  readonly close: () => unknown;
}

export class CloserStack {
  private readonly closers: Closer[] = [];
  private closing: Promise<void> | undefined;

  /** Registers how a part that just started stops. */
  push(name: string, close: () => unknown): void {
    this.closers.push({ name, close });
  }

  /**
   * Closes every registered part, last started first. Rejects with an AggregateError naming the
   * parts whose close failed, after all the others were closed.
   */
  closeAll(): Promise<void> {
    this.closing ??= this.closeInOrder();
    return this.closing;
  }

  private async closeInOrder(): Promise<void> {
    const failures: Error[] = [];
    for (let closer = this.closers.pop(); closer !== undefined; closer = this.closers.pop()) {
      try {
        await closer.close();
      } catch (error) {
        failures.push(new Error(`closing ${closer.name} failed`, { cause: error }));
      }
    }
    if (failures.length > 0) {
      throw new AggregateError(
        failures,
        `closing ${failures.length} part(s) failed: ${failures.map((f) => f.message).join('; ')}`,
      );
    }
  }
}
