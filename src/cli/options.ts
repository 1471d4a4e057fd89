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
