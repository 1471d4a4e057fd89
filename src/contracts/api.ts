/**
 * Shapes of the API keys the HTTP and MCP servers accept: the tenant a key binds its caller to,
 * and its role — `reader` reads, `writer` also writes its tenant's memory and sessions, `admin`
 * also manages its tenant (erasure, its keys). An `operator` key belongs to no tenant: the
 * operator of the installation alone writes shared knowledge, runs operator actions and reads
 * across tenants.
 */
import { z } from 'zod';
import { ownerId } from './memory';
import { text } from './limits';

/** The roles of a tenant's keys, lowest first. */
export const API_ROLES = Object.freeze(['reader', 'writer', 'admin'] as const);
export type ApiRole = (typeof API_ROLES)[number];
/** The role of an operator key (bound to no tenant). */
export const OPERATOR_ROLE = 'operator';

/** Input of creating a key (`brainops api-key create`): a tenant's key of a role, or an operator key. */
export const apiKeyCreateSchema = z
  .object({
    tenantId: ownerId.optional(),
    role: z.enum(API_ROLES).optional(),
    /** An operator key: no tenant, no role. @defaultValue false */
    operator: z.boolean().default(false),
    name: text(200, 1).optional(),
  })
  .superRefine((k, ctx) => {
    if (k.operator) {
      if (k.tenantId !== undefined)
        ctx.addIssue({ code: 'custom', path: ['tenantId'], message: 'an operator key belongs to no tenant' });
      if (k.role !== undefined)
        ctx.addIssue({ code: 'custom', path: ['role'], message: 'an operator key has no tenant role' });
    } else {
      if (k.tenantId === undefined)
        ctx.addIssue({ code: 'custom', path: ['tenantId'], message: 'required (or create an operator key)' });
      if (k.role === undefined) ctx.addIssue({ code: 'custom', path: ['role'], message: 'required' });
    }
  });
export type ApiKeyCreate = z.input<typeof apiKeyCreateSchema>;

/** A stored key, without its secret: the secret is shown once, at creation, and only its hash is kept. */
export interface ApiKeyRecord {
  id: string;
  /** The first characters of the key, so a person can tell keys apart. */
  prefix: string;
  /** The tenant; null for an operator key. */
  tenantId: string | null;
  role: ApiRole | typeof OPERATOR_ROLE;
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
  /** The key's tenant; null for an operator key. */
  tenantId: string | null;
  operation: string;
  status: number;
  latencyMs: number;
  /** Served from the process's read-through cache (reads of one entry only; otherwise null). */
  cacheHit: boolean | null;
}
