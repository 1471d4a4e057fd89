/**
 * Who calls an operation: a tenant's API key (its tenant and role) or the operator of the
 * installation (an operator key, or the local CLI, which holds the database's credentials). A
 * tenant's call acts in its tenant only; the operator names the tenant it acts for.
 */
import type { ApiPrincipal, ApiRole } from '../contracts/api';
import { forbidden } from './errors';

/** The operator: bound to no tenant, allowed every operation. */
export interface OperatorCaller {
  kind: 'operator';
  /** Who, for records of who did what (e.g. `cli`, or an operator key's prefix). */
  name: string;
  /** The operator key it called with (none for the local CLI). */
  keyId?: string;
}

/** A tenant's API key. */
export type TenantCaller = ApiPrincipal & { kind?: 'tenant' };

export type Caller = TenantCaller | OperatorCaller;

/** The operator as the local CLI acts. */
export const LOCAL_OPERATOR: OperatorCaller = Object.freeze({ kind: 'operator', name: 'cli' });

export function isOperator(caller: Caller): caller is OperatorCaller {
  return caller.kind === 'operator';
}

const RANK: Record<ApiRole, number> = { reader: 0, writer: 1, admin: 2 };

/**
 * Throws `forbidden` unless `caller` may do what needs `role` (reader < writer < admin; the
 * operator may do everything).
 */
export function requireRole(caller: Caller, role: ApiRole, what: string): void {
  if (isOperator(caller)) return;
  if (RANK[caller.role] < RANK[role])
    throw forbidden(`${what} needs a key of role ${role} or above; this key is ${caller.role}`);
}

/** Throws `forbidden` unless `caller` is the operator. */
export function requireOperator(caller: Caller, what: string): void {
  if (!isOperator(caller)) throw forbidden(`${what} is the operator's, not a tenant key's`);
}

/** Who did it, for records: the key's id, or the operator's name. */
export function callerName(caller: Caller): string {
  return isOperator(caller) ? caller.name : `key:${caller.keyId}`;
}

/** The key a caller called with (for the access log and the rate limit), if any. */
export function callerKey(caller: Caller): string | undefined {
  return caller.keyId;
}
