/**
 * What `brainops hook claude-code` reads from its environment: the API's URL and key, its log
 * file and its time budget. These are `config.api.url`, `config.api.key`, `config.hook.logFile`
 * and `config.hook.timeoutMs` of temporal.config.ts
 * (the one typed configuration, which declares and documents them), read here without zod: loading
 * the configuration's schema costs a hook call about 50 ms, and a hook runs for every prompt and
 * every tool call. test/claude-code-hook.test.ts holds the two readings equal.
 */
import os from 'node:os';
import path from 'node:path';
import ms, { type StringValue } from 'ms';

/** Where the hook sends events and what it logs to. */
export interface HookSettings {
  /** Base URL of the HTTP API, no trailing slash. */
  apiUrl: string;
  /** The API key (a tenant's writer key); undefined: every request is refused (and logged). */
  apiKey: string | undefined;
  /** The log file, absolute. */
  logFile: string;
  /** ms a hook call may take from its process's start. */
  timeoutMs: number;
}

/**
 * The hook's settings from `env`, as temporal.config.ts resolves them (empty counts as unset).
 * @throws Error naming `BRAINOPS_API_URL` when it is not an http(s) URL, or `BRAINOPS_HOOK_TIMEOUT`
 *   when it is not a duration.
 */
export function hookSettings(env: NodeJS.ProcessEnv): HookSettings {
  const get = (name: string) => (env[name] === '' ? undefined : env[name]);
  const port = get('BRAINOPS_API_PORT') ?? '8300';
  const url = get('BRAINOPS_API_URL') ?? `http://127.0.0.1:${port}`;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol))
    throw new Error(`BRAINOPS_API_URL: expected an http(s) URL, got "${url}"`);
  const timeout = get('BRAINOPS_HOOK_TIMEOUT') ?? '1s';
  let timeoutMs: number | undefined;
  try {
    timeoutMs = ms(timeout as StringValue);
  } catch {
    timeoutMs = undefined;
  }
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new Error(`BRAINOPS_HOOK_TIMEOUT: expected a duration such as "1s" or "500ms", got "${timeout}"`);
  return {
    apiUrl: url.replace(/\/+$/, ''),
    apiKey: get('BRAINOPS_API_KEY'),
    logFile: path.resolve(get('BRAINOPS_HOOK_LOG') ?? path.join(os.homedir(), '.brainops', 'hook.log')),
    timeoutMs,
  };
}
