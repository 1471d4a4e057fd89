import { InvalidArgumentError } from 'commander';
import ms, { type StringValue } from 'ms';

/**
 * Parses a whole-number option such as `--limit <n>` (1..10,000); commander reports a bad one
 * with the option's name and exits 1.
 */
export function countOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 10_000)
    throw new InvalidArgumentError('expected a whole number from 1 to 10000.');
  return n;
}

/** Parses a record id argument or option (a positive whole number). */
export function idOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('expected an id (a positive whole number).');
  return n;
}

/** Parses a duration option such as `--since 24h` into ms (the formats `temporal.config.ts` takes). */
export function durationOption(value: string): number {
  try {
    const parsed = ms(value as StringValue);
    if (Number.isFinite(parsed) && parsed > 0) return parsed;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError('expected a duration such as "1h", "24h" or "7d".');
}

/**
 * Parses a `--name <json>` option that must hold a JSON object.
 * @throws Error "--name: expected a JSON object, got …"
 */
export function jsonObjectOption(name: string, text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new Error(`--${name}: expected a JSON object, got ${text}`);
}
