/**
 * A connection pool that survives its database going away. node-postgres emits `error` on a
 * client whose connection dies while no query is running on it; the pool listens only while the
 * client is idle in the pool, so a client checked out between two statements (a transaction, a
 * tenant's work) would raise an unhandled `error` and end the process. Each client gets a
 * listener of its own when it connects (the node-postgres "Pool" docs: `connect` event); the
 * statement in flight, if any, still fails with the error, and the next checkout connects anew.
 */
import { Pool, type PoolConfig } from 'pg';
import type { Logger } from 'pino';

/** A pool whose clients never raise an unhandled `error`; `what` names it in the log. */
export function openPool(config: PoolConfig, logger: Logger, what: string): Pool {
  const pool = new Pool(config);
  pool.on('error', (error) => logger.error({ err: error }, `idle ${what} connection failed`));
  pool.on('connect', (client) =>
    client.on('error', (error) => logger.warn({ err: error }, `${what} connection failed while checked out`)),
  );
  return pool;
}
