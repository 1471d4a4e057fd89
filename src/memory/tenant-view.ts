/**
 * Whose rows an operator-or-tenant list holds: the tenant's; without one, rows of no tenant;
 * every tenant's only with `allTenants` (the operator's view).
 */

/** SQL over the parameters `$tenant` and `$all` (placeholders such as `$4`, `$5`). */
export function tenantViewSql(tenant: string, all: string): string {
  return `(tenant_id = ${tenant} or (${tenant}::text is null and (${all}::boolean or tenant_id is null)))`;
}
