/**
 * Who is calling: the API key of `Authorization: Bearer <key>` looked up by its hash. Verified
 * keys are kept for {@link KEY_CACHE_MS} in this process, so a request costs no database round
 * trip for its key; a revoked key therefore stops working within that time on every server.
 * A key of the wrong shape is refused without a look-up, and a client address that has sent too
 * many unknown or malformed keys is refused (429) before any look-up until its budget renews.
 */
import { LRUCache } from 'lru-cache';
import { isWellFormedApiKey, type ApiKeyRecord, type ApiKeyStore } from '../memory';
import { OPERATOR_ROLE } from '../contracts/api';
import type { Caller } from './caller';
import { rateLimited, unauthenticated } from './errors';
import { AuthFailureBudget } from './limits';

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

/** Verifies API keys, with a short-lived cache of answers and a budget of failures per client address. */
export class KeyVerifier {
  private readonly cache = new LRUCache<string, { caller: Caller | null }>({ max: 10_000, ttl: KEY_CACHE_MS });
  /** Look-ups in flight, by key: concurrent requests with one key share one. */
  private readonly lookups = new Map<string, Promise<{ caller: Caller | null }>>();

  /** `failures`: the budget of unknown or malformed keys per address; none: no budget. */
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly failures = new AuthFailureBudget(0),
  ) {}

  /**
   * The caller of an `Authorization` header sent from `address` (the client's IP address; none
   * for a caller that is not a network client). A key verified in the last {@link KEY_CACHE_MS}
   * is answered even for an address over its budget: it costs no look-up, and another client
   * behind the same address should not lose its access to someone guessing keys.
   * @throws ApiError `unauthenticated` when the header holds no key, or a key that is malformed, unknown or revoked;
   *   `rate_limited` (with `retryAfterSeconds`) when `address` has spent its budget of failures.
   */
  async authenticate(header: string | undefined, address?: string): Promise<Caller> {
    const key = bearerKey(header);
    if (!key) throw unauthenticated();
    let known = this.cache.get(key);
    if (known?.caller) return known.caller;
    // The same key already being looked up (a burst of one client's requests as its cached answer
    // expired): wait for that answer; each of them spending the failure budget would refuse a
    // good key's burst with 429.
    const pending = known ? undefined : this.lookups.get(key);
    if (pending) {
      const caller = (await pending).caller;
      if (!caller) throw unauthenticated('unknown or revoked API key');
      return caller;
    }
    // Counted before the look-up (refunded for a good key): requests at once cannot outrun the budget.
    const wait = address === undefined ? 0 : this.failures.take(address);
    if (wait > 0)
      throw rateLimited(
        `too many requests with an unknown or malformed API key from this address; try again in ${wait}s`,
        wait,
      );
    // A malformed key is neither looked up nor cached: it cannot exist, and random ones would push good keys out.
    if (!isWellFormedApiKey(key)) throw unauthenticated('malformed API key: keys are bo_ and 43 base64url characters');
    if (!known) {
      const lookup = this.keys.verify(key).then((record) => ({ caller: record && callerOfKey(record) }));
      this.lookups.set(key, lookup);
      try {
        known = await lookup;
      } catch (error) {
        // The database did not answer: that says nothing about the key, so it costs no budget.
        if (address !== undefined) this.failures.refund(address);
        throw error;
      } finally {
        this.lookups.delete(key);
      }
      this.cache.set(key, known);
    }
    if (!known.caller) throw unauthenticated('unknown or revoked API key');
    if (address !== undefined) this.failures.refund(address);
    return known.caller;
  }
}
