/**
 * The few HTTP calls the hook makes, with Node's own fetch: JSON in and out (snake_case, as the
 * HTTP API has it), the API key as `Authorization: Bearer`, and every request aborted by its own
 * time-out or the hook's deadline, whichever comes first.
 */
import type { HookSettings } from './settings';

/** A refusal or failure of a call, with the status when the server answered (logged by the hook). */
export class CallFailed extends Error {
  override readonly name = 'CallFailed';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The API as the hook calls it. */
export interface HookApi {
  /**
   * POSTs `body` to `path` and answers the JSON body of a 2xx.
   * @throws CallFailed with the status and the server's `message` for another status; without a
   *   status when the server cannot be reached or the deadline passed.
   */
  post(path: string, body: unknown): Promise<Record<string, unknown>>;
  /** GETs `path` and answers the text of a 2xx. @throws CallFailed as {@link HookApi.post}. */
  getText(path: string): Promise<string>;
}

/** The API at `settings.apiUrl`; every request ends by `deadline` (aborted) and within `timeoutMs`. */
export function hookApi(settings: HookSettings, deadline: AbortSignal, timeoutMs: () => number): HookApi {
  const request = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const headers: Record<string, string> = {};
    if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${settings.apiUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([deadline, AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs())))]),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why =
        (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError'
          ? 'no answer in time'
          : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new CallFailed(`${method} ${path}: ${why}`);
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => '');
    let message = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
      message = String(parsed.message ?? parsed.error ?? message);
    } catch {
      // not JSON: its start
    }
    throw new CallFailed(`${method} ${path}: ${response.status} ${message}`, response.status);
  };
  return {
    post: async (path, body) => (await (await request('POST', path, body)).json()) as Record<string, unknown>,
    getText: async (path) => (await request('GET', path)).text(),
  };
}
