/**
 * The one redaction rule for every text BrainOps stores or logs: memory entries, error events,
 * work history, decisions, health results, deployment records and log lines. It removes
 *
 * - credentials in URLs (`scheme://user:password@host` → `scheme://[redacted]@host`),
 * - `password=`, `token=`, `secret=`, `api_key=`-style parameters (query strings, DSNs, `key=value`
 *   text, JSON `"password": "…"`),
 * - `Authorization` / `Proxy-Authorization` header values and bare `Bearer …` / `Basic …` tokens,
 * - every configured secret value (see {@link secretValues}) wherever it appears.
 *
 * Pure: the secrets are passed in.
 */

export const REDACTED = '[redacted]';

/** Parameter names whose value is a secret. */
const SECRET_PARAM =
  '(?:password|passwd|pwd|pass|token|access_token|refresh_token|id_token|auth_token|secret|client_secret|api[_-]?key|apikey|private[_-]?key|credentials?|sslpassword)';

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@?#"'<>]+@/gi;
const PARAM = new RegExp(
  `\\b(${SECRET_PARAM})(\\s*=\\s*)(?!\\[redacted\\])("[^"]*"|'[^']*'|[^\\s&;,"'<>)}\\]]+)`,
  'gi',
);
const JSON_FIELD = new RegExp(`("${SECRET_PARAM}"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi');
const AUTH_HEADER =
  /\b((?:proxy-)?authorization)("?\s*[:=]\s*"?)(?!\[redacted\])(?:(?:bearer|basic|token|digest)\s+)?[^\s",}]+/gi;
const BEARER = /\b(bearer|basic)\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{8,}/gi;

/** Secret values shorter than this are not redacted by value (they would shred ordinary text). */
const MIN_SECRET_LENGTH = 6;

/** `text` with every credential the rule knows replaced by `[redacted]`. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  out = out.replace(URL_CREDENTIALS, `$1${REDACTED}@`);
  out = out.replace(AUTH_HEADER, `$1$2${REDACTED}`);
  out = out.replace(BEARER, `$1 ${REDACTED}`);
  out = out.replace(JSON_FIELD, `$1"${REDACTED}"`);
  out = out.replace(PARAM, `$1$2${REDACTED}`);
  return out;
}

/** Object keys whose value is replaced whole. */
const SECRET_KEY = new RegExp(`^(?:${SECRET_PARAM}|authorization|proxy-authorization|cookie|set-cookie)$`, 'i');

/**
 * `value` with every string (and every value of a secret-named key) redacted, keys kept; a deep
 * copy, never the original. Non-JSON leaves (dates, buffers) are kept as they are.
 */
export function redactValue<T>(value: T, secrets: readonly string[] = []): T {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redactText(v, secrets);
    if (v === null || typeof v !== 'object' || depth > 200) return v;
    if (seen.has(v)) return v;
    if (Array.isArray(v)) {
      seen.add(v);
      return v.map((x) => walk(x, depth + 1));
    }
    if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) {
      if (v instanceof Error) {
        const e = new Error(redactText(v.message, secrets));
        e.name = v.name;
        if (v.stack) e.stack = redactText(v.stack, secrets);
        seen.add(v);
        for (const [k, x] of Object.entries(v)) (e as unknown as Record<string, unknown>)[k] = walk(x, depth + 1);
        if (v.cause !== undefined) e.cause = walk(v.cause, depth + 1);
        return e;
      }
      return v;
    }
    seen.add(v);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = SECRET_KEY.test(k) && typeof x === 'string' && x.length > 0 ? REDACTED : walk(x, depth + 1);
    }
    return out;
  };
  return walk(value, 0) as T;
}

/** Environment variable names whose values are secrets. */
export const SECRET_ENV_NAME = /(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|CREDENTIALS?|_KEY)$/i;

/**
 * The password of a URL (`scheme://user:password@…`), if it has one — not when it is the user name
 * itself (the embedded superuser's `postgres:postgres` would otherwise redact every "postgres").
 */
export function urlPassword(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/@:\s]*):([^/@\s]+)@/i.exec(url);
  if (!m || m[1] === m[2]) return undefined;
  try {
    return decodeURIComponent(m[2]!);
  } catch {
    return m[2];
  }
}

/**
 * Secret values of an environment: the values of secret-named variables and the passwords of
 * URLs in any variable (`DATABASE_URL`, JSON configuration holding URLs).
 */
export function secretValues(env: Record<string, string | undefined>): string[] {
  const out = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRET_ENV_NAME.test(name)) out.add(value);
    for (const m of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^/@:\s"']*:[^/@\s"']+@/gi)) {
      const password = urlPassword(m[0]);
      if (password) out.add(password);
    }
  }
  return [...out].filter((s) => s.length >= MIN_SECRET_LENGTH);
}
