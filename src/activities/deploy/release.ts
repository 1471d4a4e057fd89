/**
 * Release methods. Release-directory switch (Capistrano-style): `current` is a symlink to
 * `releases/<sha>`, replaced atomically by renaming a temporary symlink over it, so a reader
 * sees the old release or the new one, never neither. Deploy hook: an HTTP call naming the
 * commit, then polling until it is live.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { ReleaseMethod } from '../../contracts/deploy-target';
import { releasePath } from './git';

export function currentLink(directory: string): string {
  return path.join(directory, 'current');
}

/** The commit `current` points at, or null when there is no release yet. */
export async function currentCommit(directory: string): Promise<string | null> {
  try {
    return path.basename(await fs.readlink(currentLink(directory)));
  } catch {
    return null;
  }
}

/** Points `current` at `releases/<commit>` (null removes it: there was no release before). */
export async function switchSymlink(directory: string, commit: string | null): Promise<void> {
  const link = currentLink(directory);
  if (commit === null) {
    await fs.rm(link, { force: true });
    return;
  }
  const release = releasePath(directory, commit);
  await fs.access(release);
  const tmp = `${link}.tmp-${randomUUID().slice(0, 8)}`;
  // Relative, so the deployment directory can be moved or mounted elsewhere.
  await fs.symlink(path.relative(directory, release), tmp);
  await fs.rename(tmp, link);
}

/**
 * Removes all but the `keep` newest releases (by modification time); the ones named in
 * `protect` (live, previous) are always kept. Returns the removed commits.
 */
export async function pruneReleases(directory: string, keep: number, protect: (string | null)[]): Promise<string[]> {
  const dir = path.join(directory, 'releases');
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => !n.includes('.tmp-'));
  const withTimes = await Promise.all(names.map(async (n) => ({ n, t: (await fs.stat(path.join(dir, n))).mtimeMs })));
  withTimes.sort((a, b) => b.t - a.t);
  const removed: string[] = [];
  for (const { n } of withTimes.slice(keep)) {
    if (protect.includes(n)) continue;
    await fs.rm(path.join(dir, n), { recursive: true, force: true });
    removed.push(n);
  }
  return removed;
}

/** Copies a built release to another environment's `releases/` (unless it is there already). */
export async function promoteRelease(fromDirectory: string, toDirectory: string, commit: string): Promise<boolean> {
  const target = releasePath(toDirectory, commit);
  if (path.resolve(fromDirectory) === path.resolve(toDirectory)) return false;
  if (
    await fs.access(target).then(
      () => true,
      () => false,
    )
  )
    return false;
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${randomUUID().slice(0, 8)}`;
  await fs.cp(releasePath(fromDirectory, commit), tmp, { recursive: true, verbatimSymlinks: true });
  await fs.rename(tmp, target);
  return true;
}

type Hook = Extract<ReleaseMethod, { kind: 'hook' }>;

/** Calls the deploy hook with the commit; throws unless it answers 2xx. */
export async function callHook(
  hook: Hook,
  body: { target: string; environment: string; ref: string; commit: string },
): Promise<string> {
  const response = await fetch(hook.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...hook.headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`deploy hook answered HTTP ${response.status}`);
  return `deploy hook: HTTP ${response.status}`;
}

/**
 * Polls `isLive` every `pollIntervalMs` (heartbeating) until it returns true or `timeoutMs` passes.
 * @throws Error "… not live after N ms: <last reason>"
 */
export async function pollUntilLive(hook: Hook, isLive: () => Promise<string | true>): Promise<void> {
  const context = Context.current();
  const deadline = Date.now() + hook.timeoutMs;
  let last = 'not checked';
  for (;;) {
    context.heartbeat();
    const result = await isLive().catch((e: Error) => e.message);
    if (result === true) return;
    last = result;
    if (Date.now() + hook.pollIntervalMs > deadline)
      throw new Error(`release not live after ${hook.timeoutMs} ms: ${last}`);
    await context.sleep(hook.pollIntervalMs);
  }
}

/** The status URL says `commit` is live: 2xx and the body names the commit. */
export async function statusNamesCommit(url: string, commit: string): Promise<string | true> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) return `status URL answered HTTP ${response.status}`;
  return text.includes(commit) ? true : `status URL does not name ${commit.slice(0, 12)} yet`;
}
