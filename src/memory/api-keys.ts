/**
 * API keys and the access log (tables `api_keys`, `api_access_log`). A key is `bo_` + 43
 * base64url characters of 256 random bits; only its sha256 is stored. A fast hash is enough
 * here: slow password hashes (bcrypt, argon2) protect guessable secrets, while a 256-bit random key
 * cannot be found from its sha256, and a fast hash lets every request look its key up by index.
 */
import crypto from 'node:crypto';
import { OPERATOR_ROLE, type AccessLogRow, type ApiKeyCreate, type ApiKeyRecord } from '../contracts/api';
import type { Queryable } from './connections';

const KEY_PREFIX = 'bo_';
/** The shape of every key {@link ApiKeyStore.create} makes: `bo_` and 43 base64url characters (32 bytes). */
const KEY_SHAPE = /^bo_[A-Za-z0-9_-]{43}$/;

/** Whether `key` has the shape of a key this store makes; a key of another shape cannot exist, so needs no look-up. */
export function isWellFormedApiKey(key: string): boolean {
  return KEY_SHAPE.test(key);
}
const COLUMNS = `id, prefix, tenant_id as "tenantId", role, name, created_at as "createdAt",
  last_used_at as "lastUsedAt", revoked_at as "revokedAt"`;

/** sha256 of a key, hex: what `api_keys.key_hash` holds. */
export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

/** The API keys of the memory database. */
export class ApiKeyStore {
  constructor(private readonly db: Queryable) {}

  /** Creates a key (input parsed at the edge). Returns the key itself (the only time it is available) and its record. */
  async create(parsed: ApiKeyCreate): Promise<{ key: string; record: ApiKeyRecord }> {
    const key = `${KEY_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
    const result = await this.db.query<ApiKeyRecord>(
      `insert into api_keys (id, key_hash, prefix, tenant_id, role, name) values ($1, $2, $3, $4, $5, $6)
       returning ${COLUMNS}`,
      [
        crypto.randomUUID(),
        hashApiKey(key),
        key.slice(0, 10),
        parsed.operator ? null : parsed.tenantId,
        parsed.operator ? OPERATOR_ROLE : parsed.role,
        parsed.name ?? null,
      ],
    );
    return { key, record: result.rows[0]! };
  }

  /** The live (not revoked) key whose secret is `key`, or null. */
  async verify(key: string): Promise<ApiKeyRecord | null> {
    if (!isWellFormedApiKey(key)) return null;
    const result = await this.db.query<ApiKeyRecord>(
      `select ${COLUMNS} from api_keys where key_hash = $1 and revoked_at is null`,
      [hashApiKey(key)],
    );
    return result.rows[0] ?? null;
  }

  /** Keys newest first: a tenant's, or every tenant's. Revoked keys too, with `revokedAt`. */
  async list(opts: { tenantId?: string } = {}): Promise<ApiKeyRecord[]> {
    const result = await this.db.query<ApiKeyRecord>(
      `select ${COLUMNS} from api_keys where $1::text is null or tenant_id = $1 order by created_at desc`,
      [opts.tenantId ?? null],
    );
    return result.rows;
  }

  /** Revokes a key by id or prefix. Returns the revoked record, or null when no live key matched. */
  async revoke(idOrPrefix: string): Promise<ApiKeyRecord | null> {
    const result = await this.db.query<ApiKeyRecord>(
      `update api_keys set revoked_at = now()
       where revoked_at is null and (id = $1 or prefix = $1) returning ${COLUMNS}`,
      [idOrPrefix],
    );
    if (result.rows.length > 1) throw new Error(`"${idOrPrefix}" matches ${result.rows.length} keys`);
    return result.rows[0] ?? null;
  }

  /** Writes access-log rows in one statement and marks their keys as used. */
  async recordAccesses(rows: readonly AccessLogRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.query(
      `insert into api_access_log (at, key_id, tenant_id, operation, status, latency_ms, cache_hit)
       select * from unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::int[], $6::real[], $7::boolean[])`,
      [
        rows.map((r) => r.at),
        rows.map((r) => r.keyId),
        rows.map((r) => r.tenantId),
        rows.map((r) => r.operation),
        rows.map((r) => r.status),
        rows.map((r) => r.latencyMs),
        rows.map((r) => r.cacheHit),
      ],
    );
    const lastUse = new Map<string, Date>();
    for (const r of rows) if ((lastUse.get(r.keyId)?.getTime() ?? 0) < r.at.getTime()) lastUse.set(r.keyId, r.at);
    await this.db.query(
      `update api_keys k set last_used_at = greatest(k.last_used_at, u.at)
       from unnest($1::text[], $2::timestamptz[]) as u(id, at) where k.id = u.id`,
      [[...lastUse.keys()], [...lastUse.values()]],
    );
  }

  /**
   * Deletes up to `limit` access-log rows older than `before` (oldest first) in one statement, so
   * no delete holds its row locks for long; call until it returns 0. Returns the rows deleted.
   * `skip locked` leaves rows another pruner is deleting to it instead of waiting on them. The ids
   * are collected into an array first: with `id in (subquery)` the planner may hash-join the
   * batch against a sequential scan of the whole table, every batch; `= any(array(…))` looks each
   * id up by the primary key.
   */
  async pruneAccesses(opts: { before: Date; limit: number }): Promise<number> {
    const result = await this.db.query(
      `delete from api_access_log where id = any(array(
         select id from api_access_log where at < $1 order by at limit $2 for update skip locked))`,
      [opts.before, opts.limit],
    );
    return result.rowCount ?? 0;
  }

  /** Access-log rows newest first (a tenant's, or all). */
  async listAccesses(opts: { tenantId?: string; limit?: number } = {}): Promise<AccessLogRow[]> {
    const result = await this.db.query<AccessLogRow>(
      `select at, key_id as "keyId", tenant_id as "tenantId", operation, status, latency_ms as "latencyMs",
         cache_hit as "cacheHit" from api_access_log where $1::text is null or tenant_id = $1
       order by at desc, id desc limit $2`,
      [opts.tenantId ?? null, opts.limit ?? 100],
    );
    return result.rows;
  }
}
