/**
 * A Claude Code hook event as it arrives on stdin (Claude Code's hooks reference: every event has
 * `session_id`, `transcript_path`, `cwd` and `hook_event_name`; `prompt` for UserPromptSubmit,
 * `source` for SessionStart, `tool_name`/`tool_input`/`tool_response`/`tool_use_id` for PostToolUse,
 * `trigger` and `custom_instructions` for PreCompact, `reason` for SessionEnd), and the BrainOps
 * ids derived from it: the same event always gives the same ids, so a repeat stores nothing twice.
 */
import { createHash } from 'node:crypto';

/** The events the hook acts on. */
export const HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'Stop',
  'PostToolUse',
  'PostToolUseFailure',
  'PreCompact',
  'SessionEnd',
] as const;
export type HookEventName = (typeof HOOK_EVENTS)[number];

/** The fields of an event the hook reads (the rest is ignored). */
export interface HookEvent {
  name: HookEventName;
  /** Claude Code's session id. */
  claudeSessionId: string;
  transcriptPath?: string;
  cwd?: string;
  /** The whole event, for the per-event fields. */
  raw: Record<string, unknown>;
}

/** The agent id BrainOps records the session's work under. */
export const AGENT_ID = 'claude-code';

/** Why an input is not an event the hook acts on (logged; the hook then does nothing). */
export class NotAnEvent extends Error {
  override readonly name = 'NotAnEvent';
}

/**
 * The event in `text`.
 * @throws NotAnEvent for text that is not a JSON object, an unknown `hook_event_name` or no `session_id`.
 */
export function parseEvent(text: string): HookEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new NotAnEvent(`not JSON (${(error as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new NotAnEvent('not a JSON object');
  const event = raw as Record<string, unknown>;
  const name = event.hook_event_name;
  if (typeof name !== 'string' || !(HOOK_EVENTS as readonly string[]).includes(name))
    throw new NotAnEvent(`event ${JSON.stringify(name ?? null).slice(0, 100)} is not one the hook acts on`);
  const id = event.session_id;
  if (typeof id !== 'string' || id.length === 0) throw new NotAnEvent('no session_id');
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  return {
    name: name as HookEventName,
    claudeSessionId: id,
    transcriptPath: str(event.transcript_path),
    cwd: str(event.cwd),
    raw: event,
  };
}

/** Hex SHA-256 of the parts, joined so that no two different part lists collide. */
export function digest(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:${part}`);
  return hash.digest('hex');
}

/**
 * The BrainOps session of a Claude Code session: `claude-code:<session_id>` (a UUID in Claude
 * Code), or `claude-code:<hash>` when the id is not one a session id may hold (1-128 of
 * `A-Za-z0-9._:@-`, src/contracts/memory.ts `ownerId`).
 */
export function brainOpsSessionId(claudeSessionId: string): string {
  return /^[A-Za-z0-9._:@-]{1,100}$/.test(claudeSessionId)
    ? `${AGENT_ID}:${claudeSessionId}`
    : `${AGENT_ID}:${digest(claudeSessionId).slice(0, 40)}`;
}

/**
 * The message key of a prompt: its session, its position in the conversation (the transcript's
 * length in bytes when the prompt was submitted: the same for a repeat of the same event, larger
 * for a later prompt of the same words) and its text.
 */
export function promptMessageId(claudeSessionId: string, transcriptBytes: number, prompt: string): string {
  return `${AGENT_ID}:prompt:${digest(claudeSessionId, String(transcriptBytes), prompt).slice(0, 40)}`;
}

/** The message key of a transcript entry (an assistant reply): its `uuid`. */
export function entryMessageId(uuid: string): string {
  return /^[A-Za-z0-9._:@-]{1,150}$/.test(uuid) ? `${AGENT_ID}:${uuid}` : `${AGENT_ID}:${digest(uuid).slice(0, 40)}`;
}
