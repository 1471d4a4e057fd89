/**
 * Console sign-in: an API key is verified as every request's key is (by its hash), and a sign-in
 * session is opened for it (`store.console`, table `console_sessions`); the session's id is what
 * the console keeps in its cookie. A session's {@link Viewer} — the caller its key makes, and who
 * it is for records — is trusted for {@link SESSION_CACHE_MS} in this process, as verified API keys
 * are ({@link KEY_CACHE_MS}), so a page view costs no extra round trip, and a revoked key or a
 * sign-out elsewhere takes effect within that time. An `admin` key of a tenant signs in to its
 * tenant; only an operator key signs in as the operator.
 */
import { LRUCache } from 'lru-cache';
import type { MemoryStore } from '../../memory';
import type { ConsoleSessionRecord } from '../../memory/console';
import { callerOfKey, KEY_CACHE_MS } from '../auth';
import { isOperator } from '../caller';
import type { Viewer } from './pages';

/** How long a verified session is trusted without asking the database again, ms. */
export const SESSION_CACHE_MS = KEY_CACHE_MS;
/** The longest session id or key looked up (longer ones are refused without a query). */
const MAX_SECRET_CHARS = 200;

/** How people read who a key is in records: its prefix, and its name when it has one (`bo_x1Y2z3a… (on call)`). */
export function keyActor(key: { prefix: string; name: string | null }): string {
  return key.name ? `${key.prefix}… (${key.name})` : `${key.prefix}…`;
}

/** The viewer a key of a session makes. */
export function viewerOf(k: Pick<ConsoleSessionRecord, 'keyId' | 'prefix' | 'name' | 'tenantId' | 'role'>): Viewer {
  const caller = callerOfKey({ ...k, id: k.keyId });
  return {
    caller,
    keyId: k.keyId,
    actor: keyActor(k),
    tenantId: isOperator(caller) ? null : caller.tenantId,
    role: k.role,
    operator: isOperator(caller),
  };
}

/** Sign-in sessions of the console over the memory store. */
export class ConsoleSessions {
  private readonly known = new LRUCache<string, { viewer: Viewer | null }>({ max: 10_000, ttl: SESSION_CACHE_MS });

  constructor(
    private readonly store: () => Promise<MemoryStore>,
    /** How long a sign-in lasts, ms. */
    private readonly ttlMs: number,
  ) {}

  /** Signs in with an API key: a new session and its viewer, or null when the key is unknown or revoked. */
  async signIn(apiKey: string): Promise<{ sessionId: string; viewer: Viewer } | null> {
    if (apiKey.length > MAX_SECRET_CHARS) return null;
    const store = await this.store();
    const record = await store.apiKeys.verify(apiKey.trim());
    if (!record) return null;
    await store.console.pruneSessions();
    const sessionId = await store.console.openSession({ keyId: record.id, ttlMs: this.ttlMs });
    const viewer = viewerOf({ ...record, keyId: record.id });
    this.known.set(sessionId, { viewer });
    return { sessionId, viewer };
  }

  /** The viewer of a live session, or null (expired, signed out, key revoked). */
  async viewer(sessionId: string): Promise<Viewer | null> {
    if (sessionId.length > MAX_SECRET_CHARS) return null;
    const known = this.known.get(sessionId);
    if (known) return known.viewer;
    const record = await (await this.store()).console.readSession({ id: sessionId });
    const viewer = record ? viewerOf(record) : null;
    this.known.set(sessionId, { viewer });
    return viewer;
  }

  /** Ends a session (sign-out). */
  async signOut(sessionId: string): Promise<void> {
    this.known.delete(sessionId);
    await (await this.store()).console.closeSession({ id: sessionId });
  }
}
