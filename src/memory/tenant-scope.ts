/**
 * Tenant-facing database work runs under row-level security: as the role `brainops_tenant`, with
 * the tenant in the setting `brainops.tenant_id` that the policies of migration
 * `20261202090000000_row-level-security` compare `tenant_id` with. A query there that forgets its
 * WHERE still returns nothing of another tenant. Operator and maintenance work uses the pool of
 * the connecting role (the tables' owner, which the policies do not apply to) instead.
 */
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { openPool } from './pool';
import type { Logger } from 'pino';
import { parseInput } from '../contracts/validate';
import { ownerId } from '../contracts/memory';

/** The role tenant-facing work runs as (NOLOGIN, NOSUPERUSER, NOBYPASSRLS). */
export const TENANT_ROLE = 'brainops_tenant';
/** The setting the policies read the tenant from. */
export const TENANT_SETTING = 'brainops.tenant_id';

/**
 * Connections reserved for tenant-facing work, so that an operator query never runs on a
 * connection switched to a tenant. A connection is switched (role and tenant, in one round trip)
 * before the caller's first statement whenever it last served another tenant, has never served
 * one, or its last work failed; a connection that last served this same tenant and ended cleanly
 * still holds exactly that setting (nothing but this class sets it), so the round trip is skipped.
 */
export class TenantScope {
  private readonly pool: Pool;
  /** The tenant each connection was last switched to, while its work keeps ending cleanly. */
  private readonly switchedTo = new WeakMap<PoolClient, string>();

  constructor(config: PoolConfig, logger: Logger) {
    this.pool = openPool(config, logger, 'tenant database');
  }

  /**
   * Runs `work` on a connection where every statement sees only `tenantId`'s rows (and shared
   * `global` entries, read-only). `work` may open its own transaction on the client.
   * @throws ValidationError when `tenantId` is not an owner id; whatever `work` throws.
   */
  async run<T>(tenantId: string, work: (db: PoolClient) => Promise<T>): Promise<T> {
    const tenant = parseInput(ownerId, tenantId, 'tenantId');
    const client = await this.pool.connect();
    if (this.switchedTo.get(client) !== tenant) {
      this.switchedTo.delete(client);
      try {
        // Simple protocol (one round trip for both statements): the tenant is a quoted literal.
        await client.query(
          `set role ${TENANT_ROLE}; select set_config('${TENANT_SETTING}', ${client.escapeLiteral(tenant)}, false)`,
        );
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
    }
    try {
      const result = await work(client);
      this.switchedTo.set(client, tenant);
      return result;
    } catch (error) {
      // Whatever the failed work left behind, the next checkout switches the connection again.
      this.switchedTo.delete(client);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Closes the tenant connections. */
  end(): Promise<void> {
    return this.pool.end();
  }
}
