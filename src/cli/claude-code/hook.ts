/**
 * `brainops hook claude-code`: one Claude Code hook event from stdin, turned into BrainOps session
 * calls over the HTTP API (docs/claude-code.md):
 *
 * - `SessionStart`: starts (or continues) the session `claude-code:<session_id>` and prints the
 *   session brief (last context, open tasks, system status, recent errors) as `additionalContext`;
 * - `UserPromptSubmit`: stores the prompt (role `user`);
 * - `Stop`: stores the assistant's replies of the last turns from the transcript (role `assistant`);
 * - `PostToolUse` (and `PostToolUseFailure`): records the tool call in work history;
 * - `PreCompact`: stores a context snapshot (a handoff of the session to itself);
 * - `SessionEnd`: ends the session, which stores its final snapshot.
 *
 * Every message has a key derived from the event, so an event delivered twice stores nothing
 * twice. A hook never holds up or breaks the AI session: it answers within `BRAINOPS_HOOK_TIMEOUT`
 * (1 s) of the process's start or gives up; it always exits 0; it prints nothing but the SessionStart JSON;
 * and it writes one line per call to its log (`BRAINOPS_HOOK_LOG`), where a failure is told.
 */
import fs from 'node:fs';
import { secretValues } from '../../domain/redact';
import { CallFailed, hookApi, type HookApi } from './api';
import { boundedJson, cut, messageText, storable } from './bounded';
import {
  AGENT_ID,
  brainOpsSessionId,
  digest,
  entryMessageId,
  NotAnEvent,
  parseEvent,
  promptMessageId,
  type HookEvent,
} from './event';
import { writeLogLine } from './log';
import { hookSettings, type HookSettings } from './settings';
import { lastTurnReplies } from './transcript';

/** ms before the end of the hook's time (`BRAINOPS_HOOK_TIMEOUT`) by which every request has ended (aborted if need be). */
export const REQUESTS_MARGIN_MS = 150;
/** ms before the end of the hook's time at which it stops waiting, whatever it was doing. */
export const STOP_MARGIN_MS = 50;
/** Bytes of stdin read at most (a tool's response can be large). */
export const STDIN_MAX_BYTES = 32 * 1024 * 1024;
/** Characters of the brief given to Claude Code (it keeps about 10,000 of a hook's context). */
export const BRIEF_CHARS = 9_500;

/** Where the hook reads its event and writes its answer. */
export interface HookIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** What handling an event came to: the log's words and, for SessionStart, what to print. */
interface Handled {
  outcome: string;
  output?: string;
}

/** What a handler works with. */
interface Ctx {
  event: HookEvent;
  sessionId: string;
  api: HookApi;
  secrets: string[];
}

/** stdin as text, ended by EOF; refused above `max` bytes or once `signal` aborts. */
function readStdin(stream: NodeJS.ReadableStream, signal: AbortSignal, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: Error) => {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > max) done(new NotAnEvent(`event larger than ${max} bytes`));
      else chunks.push(buffer);
    };
    const onEnd = () => done();
    const onError = (error: Error) => done(error);
    const onAbort = () => done(new NotAnEvent('no complete event on stdin in time'));
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The transcript's size in bytes (its position in the conversation); 0 without one. */
function transcriptBytes(event: HookEvent): number {
  try {
    return event.transcriptPath ? fs.statSync(event.transcriptPath).size : 0;
  } catch {
    return 0;
  }
}

/** Starts (or continues) the session; a running one is reused, an ended one continues. */
function startSession(ctx: Ctx, source: string) {
  const { cwd, claudeSessionId } = ctx.event;
  return ctx.api.post('/memory/session/start', {
    session_id: ctx.sessionId,
    agent_id: AGENT_ID,
    title: cut(`Claude Code${cwd ? ` in ${cwd}` : ''}`, 500),
    initial_context: { claude_code: { session_id: claudeSessionId, ...(cwd ? { cwd } : {}), source } },
  });
}

/**
 * `call` on the session; when the session is unknown (404: its SessionStart never reached the
 * API) or has ended (409), starts it and calls again once.
 */
async function inSession<T>(ctx: Ctx, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof CallFailed) || (error.status !== 404 && error.status !== 409)) throw error;
    await startSession(ctx, 'continued');
    return call();
  }
}

/** Stores one message; answers its status (`stored`, `duplicate`, `quarantined`). */
async function storeMessage(ctx: Ctx, message: { role: string; content: string; messageId: string }) {
  const body = {
    session_id: ctx.sessionId,
    role: message.role,
    content: message.content,
    message_id: message.messageId,
    ...(message.role === 'assistant' ? { agent_id: AGENT_ID } : {}),
  };
  const answer = await inSession(ctx, () => ctx.api.post('/memory/session/message', body));
  return `${String(answer.status)} seq ${String(answer.seq)}`;
}

const handlers: Record<HookEvent['name'], (ctx: Ctx) => Promise<Handled>> = {
  async SessionStart(ctx) {
    const source = typeof ctx.event.raw.source === 'string' ? ctx.event.raw.source : 'startup';
    const [started, brief] = await Promise.allSettled([
      startSession(ctx, source),
      ctx.api.getText('/memory/session/brief?format=markdown'),
    ]);
    const startOutcome =
      started.status === 'fulfilled' ? `session ${source}` : `session not started: ${describe(started.reason)}`;
    if (brief.status === 'rejected') return { outcome: `gave up: brief: ${describe(brief.reason)}; ${startOutcome}` };
    const context = cut(
      `BrainOps memory of earlier work (this conversation is recorded as BrainOps session \`${ctx.sessionId}\`):\n\n${brief.value}`,
      BRIEF_CHARS,
    );
    return {
      outcome: `${started.status === 'fulfilled' ? 'ok' : 'partly'}: brief (${brief.value.length} chars); ${startOutcome}`,
      output: JSON.stringify({ hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: context } }),
    };
  },

  async UserPromptSubmit(ctx) {
    const prompt = ctx.event.raw.prompt;
    if (typeof prompt !== 'string' || prompt.trim().length === 0)
      return { outcome: 'ok: empty prompt, nothing stored' };
    const status = await storeMessage(ctx, {
      role: 'user',
      content: messageText(prompt, ctx.secrets),
      messageId: promptMessageId(ctx.event.claudeSessionId, transcriptBytes(ctx.event), prompt),
    });
    return { outcome: `ok: prompt ${status}` };
  },

  async Stop(ctx) {
    if (!ctx.event.transcriptPath) return { outcome: 'gave up: no transcript_path' };
    // The last two turns: a reply the transcript had not flushed when the previous Stop read it is
    // stored now (a reply stored before is answered as a duplicate and adds nothing).
    const replies = lastTurnReplies(ctx.event.transcriptPath, 2);
    if (replies.length === 0) return { outcome: 'ok: no reply in the transcript' };
    const statuses: string[] = [];
    for (const reply of replies)
      statuses.push(
        await storeMessage(ctx, {
          role: 'assistant',
          content: messageText(reply.text, ctx.secrets),
          messageId: entryMessageId(reply.uuid),
        }),
      );
    return { outcome: `ok: ${replies.length} replies: ${statuses.join(', ')}` };
  },

  PostToolUse: (ctx) => toolCall(ctx, false),
  PostToolUseFailure: (ctx) => toolCall(ctx, true),

  async PreCompact(ctx) {
    const { raw, cwd } = ctx.event;
    const trigger = typeof raw.trigger === 'string' ? raw.trigger : 'auto';
    const instructions = typeof raw.custom_instructions === 'string' ? raw.custom_instructions.trim() : '';
    const body = {
      session_id: ctx.sessionId,
      to_agent: AGENT_ID,
      handoff_reason: cut(`context compaction (${trigger})`, 2000),
      critical_info: { ...(cwd ? { cwd } : {}), compacted: trigger },
      ...(instructions ? { continuation_instructions: messageText(instructions, ctx.secrets).slice(0, 10_000) } : {}),
    };
    const answer = await inSession(ctx, () => ctx.api.post('/memory/session/handoff', body));
    return { outcome: `ok: snapshot ${String(answer.handoff_id)}` };
  },

  async SessionEnd(ctx) {
    const reason = typeof ctx.event.raw.reason === 'string' && ctx.event.raw.reason ? ctx.event.raw.reason : 'other';
    try {
      const answer = await ctx.api.post('/memory/session/end', { session_id: ctx.sessionId, reason: cut(reason, 200) });
      const snapshot = answer.snapshot as { message_count?: unknown } | undefined;
      return { outcome: `ok: ended (${reason}), ${String(snapshot?.message_count)} messages` };
    } catch (error) {
      if (error instanceof CallFailed && error.status === 404) return { outcome: 'ok: no such session to end' };
      throw error;
    }
  },
};

/** Records a tool call in work history: redacted, its input and response bounded. */
async function toolCall(ctx: Ctx, failed: boolean): Promise<Handled> {
  const { raw } = ctx.event;
  const tool = typeof raw.tool_name === 'string' && raw.tool_name ? storable(raw.tool_name) : 'unknown';
  const response = raw.tool_response as Record<string, unknown> | undefined;
  const isError = failed || (response !== null && typeof response === 'object' && response.is_error === true);
  const errorText = typeof raw.error === 'string' ? raw.error : isError ? JSON.stringify(response ?? null) : '';
  const duration = [raw.duration_ms, response?.durationMs, response?.duration_ms].find(
    (d): d is number => typeof d === 'number' && Number.isFinite(d) && d >= 0,
  );
  const callId =
    typeof raw.tool_use_id === 'string' && raw.tool_use_id
      ? cut(storable(raw.tool_use_id), 200)
      : `${AGENT_ID}:${digest(ctx.event.claudeSessionId, tool, JSON.stringify(raw.tool_input ?? null), String(transcriptBytes(ctx.event))).slice(0, 40)}`;
  await ctx.api.post('/memory/session/tool', {
    session_id: ctx.sessionId,
    agent_id: AGENT_ID,
    tool: cut(tool, 200),
    call_id: callId,
    input: boundedJson(raw.tool_input ?? null, ctx.secrets),
    output: boundedJson(failed ? (raw.error ?? null) : (response ?? null), ctx.secrets),
    success: !isError,
    ...(isError ? { error: messageText(errorText || 'failed', ctx.secrets).slice(0, 2000) } : {}),
    duration_ms: Math.min(Math.round(duration ?? 0), 86_400_000),
  });
  return { outcome: `ok: tool call ${tool} recorded` };
}

/** Writes `text` to `stream` and waits until it is handed to the system. */
function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

/** An error in one line, for the log. */
function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Handles the one event on `io.stdin`. Never throws and never waits past the hook's time
 * (`BRAINOPS_HOOK_TIMEOUT` after the process started, less {@link STOP_MARGIN_MS}; at least 300 ms
 * after it is called): what fails is logged.
 */
export async function runClaudeCodeHook(
  io: HookIo = { stdin: process.stdin, stdout: process.stdout, env: process.env },
): Promise<void> {
  const started = performance.now();
  const line = { event: '', session: '' };
  let settings: HookSettings | undefined;
  let logFile = '';
  const log = (outcome: string) => {
    if (logFile) writeLogLine(logFile, { ...line, outcome, ms: performance.now() });
  };
  const requests = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  try {
    try {
      settings = hookSettings(io.env);
      logFile = settings.logFile;
    } catch (error) {
      logFile = hookSettings({ ...io.env, BRAINOPS_API_URL: undefined, BRAINOPS_HOOK_TIMEOUT: undefined }).logFile;
      throw error;
    }
    // From the process's start (performance.now() counts from it): Node's own start-up counts.
    const requestsEnd = Math.max(settings.timeoutMs - REQUESTS_MARGIN_MS, started + 200);
    const hardStop = Math.max(settings.timeoutMs - STOP_MARGIN_MS, started + 300);
    const ready = settings;
    timers.push(setTimeout(() => requests.abort(), Math.max(0, requestsEnd - performance.now())));
    const late = new Promise<'late'>((resolve) =>
      timers.push(setTimeout(() => resolve('late'), Math.max(0, hardStop - performance.now()))),
    );
    const work = (async (): Promise<Handled> => {
      const event = parseEvent(await readStdin(io.stdin, requests.signal, STDIN_MAX_BYTES));
      line.event = event.name;
      line.session = brainOpsSessionId(event.claudeSessionId);
      if (!ready.apiKey) throw new Error('BRAINOPS_API_KEY is not set');
      const ctx: Ctx = {
        event,
        sessionId: line.session,
        api: hookApi(ready, requests.signal, () => requestsEnd - performance.now()),
        secrets: secretValues(io.env),
      };
      return handlers[event.name](ctx);
    })();
    const handled = await Promise.race([work, late]);
    if (handled === 'late') {
      work.catch(() => undefined);
      log('gave up: no answer in time');
      return;
    }
    if (handled.output) await write(io.stdout, `${handled.output}\n`);
    log(handled.outcome);
  } catch (error) {
    log(`gave up: ${describe(error)}`);
  } finally {
    for (const timer of timers) clearTimeout(timer);
    requests.abort();
  }
}
