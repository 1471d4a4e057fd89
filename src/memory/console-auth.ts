/**
 * SQL of the web console's sign-ins and of the record of what people did there (tables
 * `console_sessions`, `console_actions`). A session is a random id held in an HttpOnly cookie; only
 * its sha256 is stored, as for API keys. A session lives while its expiry is ahead and its key is
 * not revoked, so revoking a key signs its console sessions out too. These are operator tables:
 * functions here run on the connecting role's pool.
 */
import crypto from 'node:crypto';
import type { ApiKeyRecord } from '../contracts/api';
import type { Queryable } from './connections';

/** sha256 of a session id, hex: what `console_sessions.id_hash` holds. */
export function hashSessionId(id: string): string {
  return crypto.createHash('sha256').update(id).digest('hex');
}

/** Who a console session belongs to: its key, the key's tenant (none for an operator key) and role. */
export interface ConsoleSessionRecord {
  keyId: string;
  prefix: string;
  name: string | null;
  tenantId: string | null;
  role: ApiKeyRecord['role'];
  expiresAt: Date;
}

/** Opens a session for a (verified) key; returns the session id, the only time it is available. */
export async function openConsoleSession(db: Queryable, keyId: string, ttlMs: number): Promise<string> {
  const id = crypto.randomBytes(32).toString('base64url');
  await db.query(
    `insert into console_sessions (id_hash, key_id, expires_at) values ($1, $2, now() + make_interval(secs => $3))`,
    [hashSessionId(id), keyId, ttlMs / 1000],
  );
  return id;
}

/** The live session of `id` (not expired, key not revoked), or null. */
export async function readConsoleSession(db: Queryable, id: string): Promise<ConsoleSessionRecord | null> {
  if (id.length > 200) return null;
  const result = await db.query<ConsoleSessionRecord>(
    `select k.id as "keyId", k.prefix, k.name, k.tenant_id as "tenantId", k.role, s.expires_at as "expiresAt"
     from console_sessions s join api_keys k on k.id = s.key_id
     where s.id_hash = $1 and s.expires_at > now() and k.revoked_at is null`,
    [hashSessionId(id)],
  );
  return result.rows[0] ?? null;
}

/** The prefix and name of a key (revoked ones too), or null: who did something, for records. */
export async function keyNames(db: Queryable, keyId: string): Promise<{ prefix: string; name: string | null } | null> {
  const result = await db.query<{ prefix: string; name: string | null }>(
    'select prefix, name from api_keys where id = $1',
    [keyId],
  );
  return result.rows[0] ?? null;
}

/** Ends a session (sign-out). */
export async function closeConsoleSession(db: Queryable, id: string): Promise<void> {
  await db.query('delete from console_sessions where id_hash = $1', [hashSessionId(id)]);
}

/** Deletes up to `limit` sessions that expired; returns how many. */
export async function pruneConsoleSessions(db: Queryable, limit = 1000): Promise<number> {
  const result = await db.query(
    `delete from console_sessions where id_hash = any(array(
       select id_hash from console_sessions where expires_at < now() order by expires_at limit $1))`,
    [limit],
  );
  return result.rowCount ?? 0;
}

/** One thing a person did in the console. */
export interface ConsoleAction {
  /** The key they signed in with (none for the local operator). */
  keyId: string | null;
  /** Who, as people read it: the key's prefix and name. */
  actor: string;
  /** `procedure.approve`, `procedure.skip`, `escalation.resolve`, `escalation.retry`, `escalation.ignore`. */
  action: string;
  /** What it was done to: a workflow id. */
  subject: string;
  detail: Record<string, unknown>;
}

/** Records one action. */
export async function recordConsoleAction(db: Queryable, a: ConsoleAction): Promise<void> {
  await db.query(`insert into console_actions (key_id, actor, action, subject, detail) values ($1, $2, $3, $4, $5)`, [
    a.keyId,
    a.actor,
    a.action,
    a.subject,
    JSON.stringify(a.detail),
  ]);
}

/** Actions on `subjects`, newest first (at most `limit`). */
export async function listConsoleActions(
  db: Queryable,
  subjects: string[],
  limit = 100,
): Promise<(ConsoleAction & { at: Date })[]> {
  const result = await db.query<ConsoleAction & { at: Date }>(
    `select key_id as "keyId", actor, action, subject, detail, at
     from console_actions where subject = any($1::text[]) order by at desc limit $2`,
    [subjects, limit],
  );
  return result.rows;
}
