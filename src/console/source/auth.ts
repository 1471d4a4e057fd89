/**
 * Console sign-in over today's pieces: an API key is verified against `api_keys` (by its hash),
 * and a session row is opened for it (`console_sessions`). A session's viewer is trusted for
 * {@link SESSION_CACHE_MS} in this process — as verified API keys are by the API server — so a
 * page view costs no extra round trip, and a revoked key or a sign-out elsewhere takes effect
 * within that time.
 */
import { LRUCache } from 'lru-cache';
import { ApiKeyStore } from '../../memory';
import {
  closeConsoleSession,
  openConsoleSession,
  pruneConsoleSessions,
  readConsoleSession,
  type ConsoleSessionRecord,
} from '../../memory/console-auth';
import type { Viewer } from '../model';
import type { SourceContext } from './context';

/** How long a verified session is trusted without asking the database again, ms. */
export const SESSION_CACHE_MS = 5000;

/**
 * The viewer a key makes. The operator is an `admin` key (the role that already runs operator
 * actions and reads every tenant's totals through the API); any other key sees its own tenant.
 */
export function viewerOf(k: Pick<ConsoleSessionRecord, 'keyId' | 'prefix' | 'name' | 'tenantId' | 'role'>): Viewer {
  const operator = k.role === 'admin';
  return {
    keyId: k.keyId,
    actor: k.name ? `${k.prefix}… (${k.name})` : `${k.prefix}…`,
    tenantId: operator ? null : k.tenantId,
    keyTenantId: k.tenantId,
    role: k.role,
    operator,
  };
}

export class ConsoleAuth {
  private readonly sessions = new LRUCache<string, { viewer: Viewer | null }>({ max: 10_000, ttl: SESSION_CACHE_MS });

  constructor(private readonly ctx: SourceContext) {}

  async signIn(apiKey: string): Promise<{ sessionId: string; viewer: Viewer } | null> {
    const record = await new ApiKeyStore(this.ctx.pool).verify(apiKey.trim());
    if (!record) return null;
    await pruneConsoleSessions(this.ctx.pool);
    const sessionId = await openConsoleSession(this.ctx.pool, record.id, this.ctx.deps.config.console.sessionTtlMs);
    const viewer = viewerOf({ keyId: record.id, ...record });
    this.sessions.set(sessionId, { viewer });
    return { sessionId, viewer };
  }

  async viewer(sessionId: string): Promise<Viewer | null> {
    const known = this.sessions.get(sessionId);
    if (known) return known.viewer;
    const record = await readConsoleSession(this.ctx.pool, sessionId);
    const viewer = record ? viewerOf(record) : null;
    this.sessions.set(sessionId, { viewer });
    return viewer;
  }

  async signOut(sessionId: string): Promise<void> {
    this.sessions.delete(sessionId);
    await closeConsoleSession(this.ctx.pool, sessionId);
  }
}
