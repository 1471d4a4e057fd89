/**
 * The one tenancy rule of the memory store, and what every repository shares: work for a tenant
 * runs on a connection under row-level security as that tenant (`tenant-scope.ts`), work without a
 * tenant runs on the operator's pool (the tables' owner: maintenance, learning cycles, operator
 * views). Repositories never pick a pool themselves; they ask {@link Connections.run}. It also
 * holds the redaction every write applies (`src/domain/redact.ts`).
 */
import type { Pool, PoolClient } from 'pg';
import { redactValue } from '../domain/redact';
import type { TenantScope } from './tenant-scope';
import { inTransaction, withTransaction } from './transaction';

/** A pool or a checked-out client: SQL functions take one and never own the pool. */
export type Queryable = Pool | PoolClient;

export class Connections {
  /** Secret values redacted from every write besides the rule's patterns, longest first. */
  private secrets: string[] = [];

  constructor(
    /** The connecting role's pool: operator and maintenance work, which sees every tenant. */
    readonly operator: Pool,
    private readonly tenants: TenantScope,
  ) {}

  /**
   * Runs `work` under row-level security as `tenantId`: nothing of another tenant is visible
   * there, whatever its SQL says. Without a tenant, on the operator's pool.
   * @throws ValidationError when `tenantId` is not an owner id; whatever `work` throws.
   */
  run<T>(tenantId: string | undefined, work: (db: Queryable) => Promise<T>): Promise<T> {
    return tenantId === undefined ? work(this.operator) : this.tenants.run(tenantId, work);
  }

  /** Runs `work` in one transaction, on the connection {@link run} would choose. */
  transaction<T>(tenantId: string | undefined, work: (db: PoolClient) => Promise<T>): Promise<T> {
    return tenantId === undefined
      ? withTransaction(this.operator, work)
      : this.tenants.run(tenantId, (client) => inTransaction(client, work));
  }

  /** Adds configured secret values to redact from every write (a worker adds its configuration's). */
  addSecrets(values: readonly string[]): void {
    this.secrets = [...new Set([...this.secrets, ...values])].sort((a, b) => b.length - a.length);
  }

  /** `value` with credentials and configured secrets redacted (a deep copy). */
  redact<T>(value: T): T {
    return redactValue(value, this.secrets);
  }

  /** Closes the tenant connections and the operator's pool. */
  async end(): Promise<void> {
    await this.tenants.end();
    await this.operator.end();
  }
}

/** A SQL function of a repository: a connection and one input object. */
type SqlFunction = (db: Queryable, input: never) => Promise<unknown>;

/** The parameters of a SQL function after its connection. */
type AfterConnection<P> = P extends [unknown, ...infer Rest] ? Rest : never;

/** `fns` with the connection bound: each takes its input object only. */
export type Bound<F extends Record<string, SqlFunction>> = {
  [K in keyof F]: (...input: AfterConnection<Parameters<F[K]>>) => ReturnType<F[K]>;
};

/**
 * A repository of operator work: each SQL function of `fns` bound to the operator's pool (the
 * maintenance and agent paths, which are not a tenant's). Inputs are typed and already parsed at
 * the edge that received them.
 */
export function operatorRepository<F extends Record<string, SqlFunction>>(db: Connections, fns: F): Bound<F> {
  const bound: Record<string, (input: never) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(fns)) bound[name] = (input: never) => fn(db.operator, input);
  return bound as unknown as Bound<F>;
}
