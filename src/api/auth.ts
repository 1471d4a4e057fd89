/**
 * Who is calling: the API key of `Authorization: Bearer <key>` looked up by its hash. Verified
 * keys are kept for {@link KEY_CACHE_MS} in this process, so a request costs no database round
 * trip for its key; a revoked key therefore stops working within that time on every server.
 */
import { LRUCache } from 'lru-cache';
import type { ApiKeyRecord, ApiKeyStore } from '../memory';
import { OPERATOR_ROLE } from '../contracts/api';
import type { Caller } from './caller';
import { unauthenticated } from './errors';

/** How long a verified (or refused) key is trusted without asking the database again. */
export const KEY_CACHE_MS = 5000;

/** The key of an `Authorization` header value, or undefined. */
export function bearerKey(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** The caller a key stands for: the operator (an operator key), or a tenant's key of a role. */
export function callerOfKey(record: Pick<ApiKeyRecord, 'id' | 'prefix' | 'tenantId' | 'role'>): Caller {
  if (record.role === OPERATOR_ROLE || record.tenantId === null)
    return { kind: 'operator', name: `key:${record.prefix}`, keyId: record.id };
  return { kind: 'tenant', keyId: record.id, tenantId: record.tenantId, role: record.role };
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
