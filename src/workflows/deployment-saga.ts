/**
 * The compensations of a deployment, as a stack (Temporal docs, "Saga pattern"): each step that
 * changes the world pushes its undo before it runs; on failure, cancel or rejection the undos run
 * in reverse order, and an undo that fails is logged while the others still run.
 */
import { log } from '@temporalio/workflow';

/** Undoes one step that changed the world; returns a line on what it did. */
export interface Compensation {
  name: string;
  environment?: string;
  run(): Promise<string>;
}

export class CompensationStack {
  private readonly pushed: Compensation[] = [];

  /** Registers the undo of the step about to run. */
  push(compensation: Compensation): void {
    this.pushed.push(compensation);
  }

  /**
   * Runs every compensation, the last pushed first, each once. One that throws is logged (its
   * error worded by `describe`) and handed to `onFailed`; the rest still run.
   */
  async unwind(describe: (error: unknown, step: string) => string, onFailed: (c: Compensation) => void): Promise<void> {
    for (const c of this.pushed.splice(0).reverse()) {
      try {
        log.info('compensating', { step: c.name, environment: c.environment, detail: await c.run() });
      } catch (error) {
        log.error('compensation failed; going on with the rest', {
          step: c.name,
          environment: c.environment,
          error: describe(error, c.name),
        });
        onFailed(c);
      }
    }
  }
}
