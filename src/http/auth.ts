/**
 * Who is calling: the API key of `Authorization: Bearer <key>` looked up by its hash. Verified
 * keys are kept for {@link KEY_CACHE_MS} in this process, so a request costs no database round
 * trip for its key; a revoked key therefore stops working within that time on every server.
 */
import { LRUCache } from 'lru-cache';
import type { ApiPrincipal, ApiRole } from '../contracts/api';
import type { ApiKeyStore } from '../memory';
import { forbidden, unauthorized } from './errors';

/** How long a verified (or refused) key is trusted without asking the database again. */
export const KEY_CACHE_MS = 5000;

const RANK: Record<ApiRole, number> = { reader: 0, writer: 1, admin: 2 };

/** Throws 403 unless `principal` has at least `role` (reader < writer < admin). */
export function requireRole(principal: ApiPrincipal, role: ApiRole, what: string): void {
  if (RANK[principal.role] < RANK[role])
    throw forbidden(`${what} needs a key of role ${role} or above; this key is ${principal.role}`);
}

/** The key of an `Authorization` header value, or undefined. */
export function bearerKey(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Verifies API keys, with a short-lived cache of answers. */
export class KeyVerifier {
  private readonly cache = new LRUCache<string, { principal: ApiPrincipal | null }>({ max: 10_000, ttl: KEY_CACHE_MS });

  constructor(private readonly keys: ApiKeyStore) {}

  /**
   * The principal of an `Authorization` header.
   * @throws ApiError 401 when the header holds no key, or a key that is unknown or revoked.
   */
  async authenticate(header: string | undefined): Promise<ApiPrincipal> {
    const key = bearerKey(header);
    if (!key) throw unauthorized();
    let known = this.cache.get(key);
    if (!known) {
      const record = await this.keys.verify(key);
      known = { principal: record && { keyId: record.id, tenantId: record.tenantId, role: record.role } };
      this.cache.set(key, known);
    }
    if (!known.principal) throw unauthorized('unknown or revoked API key');
    return known.principal;
  }
}
