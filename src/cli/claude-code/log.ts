/**
 * The hook's log: one line per call (time, event, session, ms since its process started, what
 * happened), appended to the
 * file of `BRAINOPS_HOOK_LOG`, whose folder is created. Above {@link LOG_MAX_BYTES} the file is
 * moved to `<file>.1` (replacing the older one) first. Logging never throws: a hook whose log
 * cannot be written still answers.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Bytes the log grows to before it is moved to `<file>.1`. */
export const LOG_MAX_BYTES = 1024 * 1024;

/** One line of the log. `outcome`: `ok …` or why the hook gave up. */
export interface HookLogLine {
  event: string;
  session: string;
  outcome: string;
  ms: number;
}

/** Appends `line` to `file` (one line, no newline inside); never throws. */
export function writeLogLine(file: string, line: HookLogLine): void {
  const text =
    `${new Date().toISOString()} ${line.event || '-'} ${line.session || '-'} ${line.ms.toFixed(0)}ms ${line.outcome}`
      .replace(/[\r\n]+/g, ' ')
      .slice(0, 2000);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      if (fs.statSync(file).size > LOG_MAX_BYTES) fs.renameSync(file, `${file}.1`);
    } catch {
      // no log yet
    }
    fs.appendFileSync(file, `${text}\n`);
  } catch {
    // a log that cannot be written must not break the AI session
  }
}
