/**
 * Shapes of the API keys the HTTP and MCP servers accept: the tenant a key binds its caller to,
 * and its role — `reader` reads, `writer` also writes its tenant's memory and sessions, `admin`
 * also writes `global` entries and runs operator actions.
 */
import { z } from 'zod';
import { ownerId } from './memory';
import { text } from './limits';

export const API_ROLES = Object.freeze(['reader', 'writer', 'admin'] as const);
export type ApiRole = (typeof API_ROLES)[number];

/** Input of creating a key (`brainops api-key create`). */
export const apiKeyCreateSchema = z.object({
  tenantId: ownerId,
  role: z.enum(API_ROLES),
  name: text(200, 1).optional(),
});
export type ApiKeyCreate = z.input<typeof apiKeyCreateSchema>;

/** A stored key, without its secret: the secret is shown once, at creation, and only its hash is kept. */
export interface ApiKeyRecord {
  id: string;
  /** The first characters of the key, so a person can tell keys apart. */
  prefix: string;
  tenantId: string;
  role: ApiRole;
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
