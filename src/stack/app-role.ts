/**
 * The embedded server's application role, bootstrapped by the superuser: the role BrainOps
 * connects as is LOGIN, NOSUPERUSER, NOBYPASSRLS, so row-level security applies to what it does
 * as `brainops_tenant`, and it owns the memory database and its tables, so that operator and
 * maintenance work (as owner) still sees every tenant. Run at every start; each step changes only
 * what is not so yet, so a data directory made before the role existed (tables owned by the
 * superuser) is converted once.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Client } from 'pg';
import { quoteIdent } from '../domain/sql-identifier';
import { TENANT_ROLE } from '../memory/tenant-scope';

/** The password in `file` (mode 0600), generated into it the first time. */
export function appRolePassword(file: string): string {
  try {
    const stored = fs.readFileSync(file, 'utf8').trim();
    if (stored) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const password = randomBytes(24).toString('hex');
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * Creates (or brings up to date) the role `role` with `password`, the tenant role and membership,
 * the statistics roles DatabaseGuardian reads through (`pg_monitor`), and CREATEDB for its
 * restore-check scratch databases. Roles are cluster-wide: `adminUrl` may name any database.
 */
export async function ensureAppRole(adminUrl: string, role: string, password: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_roles where rolname = $1', [role]);
    const attributes = `login nosuperuser nobypassrls createdb nocreaterole password ${client.escapeLiteral(password)}`;
    await client.query(`${exists.rowCount ? 'alter' : 'create'} role ${quoteIdent(role)} with ${attributes}`);
    const tenant = await client.query('select 1 from pg_roles where rolname = $1', [TENANT_ROLE]);
    if (tenant.rowCount === 0)
      await client.query(`create role ${quoteIdent(TENANT_ROLE)} nologin nosuperuser nobypassrls`);
    for (const member of [TENANT_ROLE, 'pg_monitor']) {
      const granted = await client.query<{ ok: boolean }>(`select pg_has_role($1, $2, 'member') as ok`, [role, member]);
      if (!granted.rows[0]!.ok) await client.query(`grant ${quoteIdent(member)} to ${quoteIdent(role)}`);
    }
  } finally {
    await client.end();
  }
}

/** `alter … owner to` of each object in `database` (not an extension's) that `role` does not own yet. */
const FOREIGN_OWNED = `
  select format('alter %s %s owner to %I', kind, name, $1::text) as stmt from (
    select case c.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view'
             when 'f' then 'foreign table' else 'table' end as kind,
           c.oid::regclass::text as name, c.relowner as owner, c.oid, 'pg_class'::regclass as catalog,
           -- Sequences of a serial or identity column change owner with their table.
           c.relkind = 'S' and exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass
             and d.objid = c.oid and d.deptype in ('a', 'i')) as follows
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'S', 'v', 'm', 'f') and n.nspname not in ('pg_catalog', 'information_schema')
      and n.nspname !~ '^pg_toast'
    union all
    select 'routine', p.oid::regprocedure::text, p.proowner, p.oid, 'pg_proc'::regclass, false
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname not in ('pg_catalog', 'information_schema')
    union all
    select case t.typtype when 'd' then 'domain' else 'type' end, t.oid::regtype::text, t.typowner, t.oid,
           'pg_type'::regclass, false
    from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where t.typtype in ('e', 'd', 'r', 'm', 'c') and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
      and n.nspname not in ('pg_catalog', 'information_schema')
  ) o
  where o.owner <> (select oid from pg_roles where rolname = $1) and not o.follows
    and not exists (select 1 from pg_depend e where e.classid = o.catalog and e.objid = o.oid and e.deptype = 'e')
  order by kind = 'sequence'`;

/**
 * Makes `role` the owner of `database` and of its schema objects, leaving extensions' objects to
 * the extension. `dbUrl` connects to `database` as a superuser.
 */
export async function transferOwnership(dbUrl: string, database: string, role: string): Promise<string[]> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const owner = await client.query<{ owner: string }>(
      'select pg_get_userbyid(datdba) as owner from pg_database where datname = $1',
      [database],
    );
    const done: string[] = [];
    if (owner.rows[0]?.owner !== role) {
      await client.query(`alter database ${quoteIdent(database)} owner to ${quoteIdent(role)}`);
      done.push(`database ${database}`);
    }
    await client.query('begin');
    for (const { stmt } of (await client.query<{ stmt: string }>(FOREIGN_OWNED, [role])).rows) {
      await client.query(stmt);
      done.push(stmt.replace(/^alter | owner to .*$/g, ''));
    }
    await client.query('commit');
    return done;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
