/**
 * Who is calling: the API key of `Authorization: Bearer <key>` looked up by its hash (a tenant's
 * key, or an operator key, whose caller is the operator). Verified
 * keys are kept for {@link KEY_CACHE_MS} in this process, so a request costs no database round
 * trip for its key; a revoked key therefore stops working within that time on every server.
 */
import { LRUCache } from 'lru-cache';
import type { ApiKeyRecord } from '../contracts/api';
import type { ApiKeyStore } from '../memory';
import type { Caller } from './caller';
import { unauthenticated } from './errors';

/** How long a verified (or refused) key is trusted without asking the database again. */
export const KEY_CACHE_MS = 5000;

/** The key of an `Authorization` header value, or undefined. */
export function bearerKey(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** How people read who a key is in records: its prefix, and its name when it has one (`bo_x1Y2z3a… (on call)`). */
export function keyActor(key: Pick<ApiKeyRecord, 'prefix' | 'name'>): string {
  return key.name ? `${key.prefix}… (${key.name})` : `${key.prefix}…`;
}

/** The caller a verified key makes: the operator for an operator key, else its tenant and role. */
export function callerOfKey(
  key: Pick<ApiKeyRecord, 'id' | 'prefix' | 'name' | 'tenantId' | 'role' | 'operator'>,
): Caller {
  if (key.operator || key.tenantId === null) return { kind: 'operator', name: keyActor(key), keyId: key.id };
  return { kind: 'tenant', keyId: key.id, tenantId: key.tenantId, role: key.role };
}

/** Verifies API keys, with a short-lived cache of answers. */
export class KeyVerifier {
  private readonly cache = new LRUCache<string, { caller: Caller | null }>({ max: 10_000, ttl: KEY_CACHE_MS });

  constructor(private readonly keys: ApiKeyStore) {}

  /**
   * The caller of an `Authorization` header.
   * @throws ApiError `unauthenticated` when the header holds no key, or a key that is unknown or revoked.
   */
  async authenticate(header: string | undefined): Promise<Caller> {
    const key = bearerKey(header);
    if (!key) throw unauthenticated();
    let known = this.cache.get(key);
    if (!known) {
      const record = await this.keys.verify(key);
      known = { caller: record && callerOfKey(record) };
      this.cache.set(key, known);
    }
    if (!known.caller) throw unauthenticated('unknown or revoked API key');
    return known.caller;
  }
}
