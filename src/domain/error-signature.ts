/**
 * Error signatures: the same problem, seen again, must get the same signature so that its
 * occurrences group together and a known fix can be found for it.
 *
 * Rules, applied to the message in this order (each replaces a variable part with a placeholder):
 * 1. UUIDs                                   → `<uuid>`
 * 2. ISO-8601 timestamps and dates           → `<time>`
 * 3. URLs (scheme://host[:port]/path)        → `<scheme>://<host>/<path>` with the scheme kept
 * 4. IPv4/IPv6 addresses with optional port  → `<ip>` / `<ip>:<port>`; `host:port` → `<host>:<port>`
 * 5. file system paths (/a/b, C:\a\b)        → `<path>`
 * 6. hex strings of 8+ digits, 0x… literals  → `<hex>`
 * 7. quoted values ("…", '…')                → `<str>`
 * 8. remaining numbers                       → `<n>`
 * then white space is folded and the message cut to 300 characters. The signature is
 * `<error type>: <normalised message>` followed by ` @ <frame> < <frame>` for the top two stack
 * frames of project code (function names only: line numbers and paths change between builds).
 * Error codes in capitals (ECONNREFUSED, 23505) are kept: they name the problem.
 */

const PLACEHOLDERS: [RegExp, string][] = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, '<time>'],
  [/\b([a-z][a-z0-9+.-]*):\/\/[^\s/'",;]+(?:\/[^\s'",;]*)?/gi, '$1://<host>/<path>'],
  [/\[?(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\]?:\d{1,5}\b/gi, '<ip>:<port>'],
  [/\b\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}\b/g, '<ip>:<port>'],
  [/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '<ip>'],
  [/(?:^|(?<=[\s(=:'"]))(?:[A-Za-z]:\\|\/)(?:[\w.@-]+[\\/])+[\w.@-]*/g, '<path>'],
  [/\b([a-z][\w-]*(?:\.[a-z][\w-]*)+):\d{2,5}\b/gi, '<host>:<port>'],
  [/\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>'],
  [/"[^"]*"|'[^']*'|`[^`]*`/g, '<str>'],
  [/(?<![A-Z])\b\d+(?:\.\d+)?\b/g, '<n>'],
];

const MAX_MESSAGE = 300;

/** The message with its variable parts replaced (rules 1–8 above). */
export function normaliseMessage(message: string): string {
  let out = message;
  for (const [pattern, replacement] of PLACEHOLDERS) out = out.replace(pattern, replacement);
  return out.replace(/\s+/g, ' ').trim().slice(0, MAX_MESSAGE);
}

/** Function names of the top `count` frames outside node_modules and Node internals. */
export function topFrames(stack: string | undefined, count = 2): string[] {
  if (!stack) return [];
  const frames: string[] = [];
  for (const line of stack.split('\n')) {
    const match = /^\s*at (?:async )?([^\s(]+) \((.*)\)$/.exec(line);
    if (!match) continue;
    const [, fn, location] = match;
    if (!fn || !location || location.includes('node_modules') || location.startsWith('node:')) continue;
    frames.push(fn);
    if (frames.length === count) break;
  }
  return frames;
}

/**
 * The signature of an error: type, normalised message, and the top frames of project code.
 * @example errorSignature('Error', 'connect ECONNREFUSED 127.0.0.1:6379') === 'Error: connect ECONNREFUSED <ip>:<port>'
 */
export function errorSignature(errorType: string, message: string, stack?: string): string {
  const frames = topFrames(stack);
  return `${errorType}: ${normaliseMessage(message)}${frames.length ? ` @ ${frames.join(' < ')}` : ''}`;
}
