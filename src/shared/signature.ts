/**
 * Normalises an error into a signature that groups the same problem across occurrences:
 * the variable parts of a message (UUIDs, hex, numbers, quoted values, ports) are replaced, so
 * "connect ECONNREFUSED 127.0.0.1:6379" and "... 127.0.0.1:6380" group together.
 */
export function errorSignature(errorType: string, message: string): string {
  const normalised = message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '<ip>')
    .replace(/\b0x[0-9a-f]+\b|\b[0-9a-f]{12,}\b/gi, '<hex>')
    .replace(/"[^"]*"|'[^']*'/g, '<str>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
  return `${errorType}: ${normalised}`;
}
