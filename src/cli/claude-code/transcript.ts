/**
 * The assistant's replies in a Claude Code transcript: a JSONL file, one entry per line, each with
 * `type` (`user`, `assistant`, …), `uuid` and `message` (`role`, `content`: a string or an array of
 * blocks such as `{type: "text", text}`, `{type: "tool_use"}`, `{type: "tool_result"}`). Only the
 * file's tail is read ({@link TAIL_BYTES}), so a long session costs a hook no more than a short one.
 */
import fs from 'node:fs';

/** Bytes read from the end of the transcript. */
export const TAIL_BYTES = 2 * 1024 * 1024;

/** Replies a hook stores at most per call (the latest). */
export const MAX_REPLIES = 20;

/** An assistant entry with text: its `uuid` and its text blocks joined. */
export interface Reply {
  uuid: string;
  text: string;
}

interface Entry {
  type?: unknown;
  uuid?: unknown;
  isSidechain?: unknown;
  isMeta?: unknown;
  message?: { role?: unknown; content?: unknown };
}

/** The text blocks of a message's content (a string is one block). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is { type: 'text'; text: string } => b?.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text)
    .join('\n\n');
}

/** Whether `entry` is a prompt a person typed (not a tool result, not a meta entry, not a side chain's). */
function isPrompt(entry: Entry): boolean {
  return entry.type === 'user' && entry.isMeta !== true && textOf(entry.message?.content).trim().length > 0;
}

/** The last {@link TAIL_BYTES} of `file` as its whole lines, parsed (lines that do not parse are skipped). */
function tailEntries(file: string): Entry[] {
  const fd = fs.openSync(file, 'r');
  let text: string;
  let cut: boolean;
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    const read = fs.readSync(fd, buffer, 0, buffer.length, start);
    text = buffer.subarray(0, read).toString('utf8');
    cut = start > 0;
  } finally {
    fs.closeSync(fd);
  }
  const lines = text.split('\n');
  if (cut) lines.shift(); // begins mid-line
  const entries: Entry[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (parsed && typeof parsed === 'object') entries.push(parsed as Entry);
    } catch {
      // a line being written, or not an entry
    }
  }
  return entries;
}

/**
 * The replies of the last `turns` turns: the assistant entries with text after the `turns`-th
 * last prompt, oldest first (the main conversation's, not a side chain's); when there are none,
 * the last assistant entry with text. At most {@link MAX_REPLIES} (the latest).
 * @throws Error of the file system when the transcript cannot be read.
 */
export function lastTurnReplies(file: string, turns = 1): Reply[] {
  const entries = tailEntries(file).filter((e) => e.isSidechain !== true);
  const replies = (from: Entry[]) =>
    from
      .filter((e) => e.type === 'assistant' && typeof e.uuid === 'string')
      .map((e) => ({ uuid: e.uuid as string, text: textOf(e.message?.content) }))
      .filter((r) => r.text.trim().length > 0);
  const prompts = entries.flatMap((e, i) => (isPrompt(e) ? [i] : []));
  const from = prompts.length >= turns ? prompts[prompts.length - turns]! + 1 : 0;
  const recent = replies(entries.slice(from));
  if (recent.length > 0) return recent.slice(-MAX_REPLIES);
  return replies(entries).slice(-1);
}
