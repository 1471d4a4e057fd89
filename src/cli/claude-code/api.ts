/**
 * The few HTTP calls the hook makes, with Node's own HTTP client: JSON in and out (snake_case, as the
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

/** A response: its status and its body as text. */
interface Answer {
  status: number;
  text: string;
}

/** Bytes of an answer read at most (the brief is a few kB). */
const ANSWER_MAX_BYTES = 1024 * 1024;

/**
 * One request with node:http (or node:https): Node's fetch would cost each hook call about 40 ms
 * more, loading its implementation on first use (bench:hook).
 */
function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
) {
  /* eslint-disable @typescript-eslint/no-require-imports -- the module of the URL's protocol only */
  const transport =
    url.protocol === 'https:'
      ? (require('node:https') as typeof import('node:https'))
      : (require('node:http') as typeof import('node:http'));
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new Promise<Answer>((resolve, reject) => {
    const request = transport.request(url, { method, headers, signal }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > ANSWER_MAX_BYTES) request.destroy(new Error(`answer larger than ${ANSWER_MAX_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The API at `settings.apiUrl`; every request ends by `deadline` (aborted) and within `timeoutMs`. */
export function hookApi(settings: HookSettings, deadline: AbortSignal, timeoutMs: () => number): HookApi {
  const request = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    let answer: Answer;
    try {
      answer = await send(
        new URL(`${settings.apiUrl}${path}`),
        method,
        headers,
        payload,
        AbortSignal.any([deadline, AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs())))]),
      );
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? 'no answer in time' : (e.code ?? e.message);
      throw new CallFailed(`${method} ${path}: ${why}`);
    }
    if (answer.status >= 200 && answer.status < 300) return answer;
    let message = answer.text.slice(0, 300);
    try {
      const parsed = JSON.parse(answer.text) as { message?: unknown; error?: unknown };
      message = String(parsed.message ?? parsed.error ?? message);
    } catch {
      // not JSON: its start
    }
    throw new CallFailed(`${method} ${path}: ${answer.status} ${message}`, answer.status);
  };
  return {
    post: async (path, body) => JSON.parse((await request('POST', path, body)).text) as Record<string, unknown>,
    getText: async (path) => (await request('GET', path)).text,
  };
}
