/**
 * Shapes of the API keys the HTTP and MCP servers accept: the tenant a key binds its caller to,
 * and its role — `reader` reads, `writer` also writes its tenant's memory and sessions, `admin`
 * also writes `global` entries and runs its tenant's admin actions — or, for an operator key, no
 * tenant at all: its caller is the operator of the installation (every tenant, every operation).
 */
import { z } from 'zod';
import { ownerId } from './memory';
import { text } from './limits';

export const API_ROLES = Object.freeze(['reader', 'writer', 'admin'] as const);
export type ApiRole = (typeof API_ROLES)[number];

/**
 * Input of creating a key (`brainops api-key create`): a tenant's key names its tenant and role;
 * an operator key (`operator: true`) names neither (it is bound to no tenant and may do everything).
 */
export const apiKeyCreateSchema = z
  .object({
    tenantId: ownerId.optional(),
    role: z.enum(API_ROLES).optional(),
    name: text(200, 1).optional(),
    operator: z.boolean().default(false),
  })
  .superRefine((k, ctx) => {
    const issue = (field: 'tenantId' | 'role', message: string) =>
      ctx.addIssue({ code: 'custom', path: [field], message });
    if (k.operator) {
      if (k.tenantId !== undefined) issue('tenantId', 'an operator key is bound to no tenant');
      if (k.role !== undefined) issue('role', 'an operator key has no role: it may do everything');
      return;
    }
    if (k.tenantId === undefined) issue('tenantId', 'required (or create an operator key)');
    if (k.role === undefined) issue('role', 'required (or create an operator key)');
  });
export type ApiKeyCreate = z.input<typeof apiKeyCreateSchema>;

/** A stored key, without its secret: the secret is shown once, at creation, and only its hash is kept. */
export interface ApiKeyRecord {
  id: string;
  /** The first characters of the key, so a person can tell keys apart. */
  prefix: string;
  /** The key's tenant; null for an operator key. */
  tenantId: string | null;
  /** The key's role (`admin` for an operator key, which is not bound by roles). */
  role: ApiRole;
  /** An operator key: its caller is the operator, bound to no tenant. */
  operator: boolean;
  name: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Who is calling: what a verified key grants. */
export interface ApiPrincipal {
  keyId: string;
  tenantId: string;
  role: ApiRole;
}

/** One line of the access log: a memory operation through the API. */
export interface AccessLogRow {
  at: Date;
  keyId: string;
  tenantId: string;
  operation: string;
  status: number;
  latencyMs: number;
  /** Served from the process's read-through cache (reads of one entry only; otherwise null). */
  cacheHit: boolean | null;
}
