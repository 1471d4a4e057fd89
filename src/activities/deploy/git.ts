/**
 * Git for deployments, run from argv (no shell): a mirror of the target's repository under its
 * directory (`repo.git`), refs resolved to commits there, and each release a clone of the mirror
 * checked out at its commit (`releases/<sha>`), made under a temporary name and renamed into place
 * so that a release directory is either complete or absent.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { BrainOpsError } from '../../contracts/errors';

const exec = promisify(execFile);

/** Runs git; a failure carries git's own message. */
export async function git(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await exec('git', args, {
      cwd: opts.cwd,
      timeout: opts.timeoutMs ?? 300_000,
      maxBuffer: 64 << 20,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' },
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`git ${args[0]} failed: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' ')}`);
  }
}

export function mirrorPath(directory: string): string {
  return path.join(directory, 'repo.git');
}

export function releasePath(directory: string, commit: string): string {
  return path.join(directory, 'releases', commit);
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

/** `repository` for messages: a URL's user and password (or token) hidden. */
function shown(repository: string): string {
  return repository.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}

/** Creates or updates the mirror of `repository`, then resolves `ref` to a full commit sha. */
export async function fetchAndResolve(repository: string, directory: string, ref: string): Promise<string> {
  const mirror = mirrorPath(directory);
  await fs.mkdir(directory, { recursive: true });
  if (await exists(path.join(mirror, 'HEAD'))) {
    await git(['remote', 'update', '--prune'], { cwd: mirror });
  } else {
    const tmp = `${mirror}.tmp-${randomUUID().slice(0, 8)}`;
    await git(['clone', '--mirror', '--quiet', '--', repository, tmp]);
    await fs.rm(mirror, { recursive: true, force: true });
    await fs.rename(tmp, mirror);
  }
  try {
    // Refs are validated before they get here; `--end-of-options` keeps one from ever being an option.
    return (
      await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd: mirror })
    ).trim();
  } catch {
    // The message goes to the workflow's history and the error events: no credentials of the URL.
    throw new BrainOpsError(
      'UnknownRef',
      `ref "${ref}" is not a commit, branch or tag of ${shown(repository)}`,
      false,
      { ref },
    );
  }
}

/** Paths changed between `base` and `commit` (all files of `commit` without a base), at most `limit`. */
export async function changedPaths(
  directory: string,
  base: string | null,
  commit: string,
  limit = 2000,
): Promise<string[]> {
  const mirror = mirrorPath(directory);
  const hasBase =
    base !== null &&
    (await git(['cat-file', '-t', base], { cwd: mirror }).then(
      () => true,
      () => false,
    ));
  const out = hasBase
    ? await git(['diff', '--name-only', base, commit], { cwd: mirror })
    : await git(['ls-tree', '-r', '--name-only', commit], { cwd: mirror });
  return out.split('\n').filter(Boolean).slice(0, limit);
}

/** Bookkeeping kept inside a release's `.git` (never in its working tree). */
export interface ReleaseMarker {
  /** `<workflow id>/<run id>` of the deployment that created the directory. */
  createdBy: string;
  /** Every build step passed in it. */
  built: boolean;
}

const markerFile = (release: string) => path.join(release, '.git', 'brainops-release.json');

export async function readMarker(release: string): Promise<ReleaseMarker | null> {
  try {
    return JSON.parse(await fs.readFile(markerFile(release), 'utf8')) as ReleaseMarker;
  } catch {
    return null;
  }
}

/** Writes the marker whole or not at all: a torn one would make a live release look unowned. */
export async function writeMarker(release: string, marker: ReleaseMarker): Promise<void> {
  const file = markerFile(release);
  const tmp = `${file}.tmp-${randomUUID().slice(0, 8)}`;
  await fs.writeFile(tmp, JSON.stringify(marker));
  await fs.rename(tmp, file);
}

/**
 * Clones the mirror into `releases/<sha>` checked out at `commit` (detached), unless it is
 * already there. Returns the release's marker.
 */
export async function checkoutRelease(directory: string, commit: string, createdBy: string): Promise<ReleaseMarker> {
  const release = releasePath(directory, commit);
  if (await exists(release)) {
    const marker = await readMarker(release);
    if (marker) return marker;
  }
  await fs.mkdir(path.dirname(release), { recursive: true });
  const tmp = `${release}.tmp-${randomUUID().slice(0, 8)}`;
  try {
    await git(['clone', '--quiet', '--no-checkout', '--', mirrorPath(directory), tmp]);
    await git(['checkout', '--quiet', '--detach', commit], { cwd: tmp });
    const marker: ReleaseMarker = { createdBy, built: false };
    await writeMarker(tmp, marker);
    await fs.rm(release, { recursive: true, force: true });
    await fs.rename(tmp, release);
    return marker;
  } catch (error) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
