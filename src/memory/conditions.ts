/** A SQL WHERE clause built condition by condition, every value bound as a parameter. */

/** A WHERE clause built condition by condition, each value bound as the next `$n` parameter. */
export class Conditions {
  readonly params: unknown[];
  private readonly parts: string[] = [];

  constructor(...params: unknown[]) {
    this.params = params;
  }

  /** Adds `sql(placeholder)` with `value` bound to the placeholder. */
  bind(sql: (placeholder: string) => string, value: unknown): void {
    this.parts.push(sql(this.param(value)));
  }

  add(sql: string): void {
    this.parts.push(sql);
  }

  /** Binds a value that is not a condition (a limit) and returns its placeholder. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  get sql(): string {
    return this.parts.join(' and ');
  }
}
