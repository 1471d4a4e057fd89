/**
 * An operation of the API: a name (the access log's and the MCP tool's), the schema of its input,
 * the role it needs, and what it does. Every transport calls {@link Operation.call} with the raw
 * input it received, so an input is validated exactly once, here, with one rule for every edge
 * (HTTP, MCP, the CLI, the console): a tenant's call acts in the key's tenant (naming another one is
 * `forbidden`), and an unknown field or a bad value is an `invalid` error naming the field.
 */
import type { z } from 'zod';
import type { ApiRole } from '../contracts/api';
import { ValidationError } from '../contracts/errors';
import { isOperator, requireOperator, requireRole, type Caller } from './caller';
import { forbidden } from './errors';

/** Who may call an operation: a key of at least this role (the operator always), or the operator only. */
export type Access = ApiRole | 'operator';

/** What defines an operation. */
export interface OperationSpec<S extends z.ZodType, R> {
  /** Dotted name, e.g. `memory.store`: the access log's operation. */
  name: string;
  /** One line for people (OpenAPI summary, MCP description, CLI help). */
  summary: string;
  /** The input after the caller's tenant was filled in. */
  input: S;
  /** Who may call it; a function when it depends on the input (e.g. a `global` entry needs admin). */
  access: Access | ((input: z.output<S>) => Access);
  /** What the operation does (`reading memory`): the words of a refusal. */
  what: string;
  /** What its input is (`memory entry`), as "Invalid <subject>: …" names it. @defaultValue `request` */
  subject?: string;
  /**
   * Fills in what a tenant's call leaves to its key. Default: `tenantId` is the key's tenant, when
   * the input has a `tenantId` field.
   * Runs before parsing, on the object the caller sent less a `tenantId` it named (checked first:
   * it must be the key's).
   */
  scope?: (caller: Caller & { tenantId: string }, raw: Record<string, unknown>) => Record<string, unknown>;
  run(caller: Caller, input: z.output<S>): Promise<R>;
  /** The answer on the wire (HTTP body, MCP tool result) for a result. @defaultValue the result itself */
  answer?: (result: R) => unknown;
}

export interface Operation<S extends z.ZodType = z.ZodType, R = unknown> {
  readonly name: string;
  readonly summary: string;
  readonly input: S;
  /**
   * Checks `raw` and runs the operation for `caller`.
   * @throws ValidationError naming the field (adapters answer it as `invalid`); ApiError
   *   `forbidden` for a role too low or another tenant; what `run` throws.
   */
  call(caller: Caller, raw: unknown): Promise<R>;
  /** The answer on the wire (HTTP body, MCP tool result) for a result of {@link call}. */
  answer(result: R): unknown;
}

/** The default scope: the key's tenant fills `tenantId`, for inputs that have one. */
function defaultScope(input: z.ZodType) {
  const named = (input as { shape?: Record<string, unknown> }).shape?.tenantId !== undefined;
  return (caller: Caller & { tenantId: string }, raw: Record<string, unknown>) =>
    named ? { ...raw, tenantId: caller.tenantId } : raw;
}

/** Builds an operation from its spec. */
export function operation<S extends z.ZodType, R>(spec: OperationSpec<S, R>): Operation<S, R> {
  const scope = spec.scope ?? defaultScope(spec.input);
  return {
    name: spec.name,
    summary: spec.summary,
    input: spec.input,
    answer: spec.answer ?? ((result) => result),
    async call(caller, raw) {
      const body = raw ?? {};
      if (typeof body !== 'object' || Array.isArray(body))
        throw new ValidationError(spec.subject ?? 'request', [{ field: '', message: 'expected an object' }]);
      let scoped = body as Record<string, unknown>;
      if (!isOperator(caller)) {
        // The key names the tenant. A body may repeat it (the contract's requests carry
        // `tenant_id`), but never name another one.
        const { tenantId: named, ...rest } = scoped;
        if (named !== undefined && named !== caller.tenantId)
          throw forbidden(`tenant_id: this key acts for tenant ${caller.tenantId} only`);
        scoped = scope(caller, rest);
      }
      const parsed = spec.input.safeParse(scoped);
      if (!parsed.success)
        throw new ValidationError(
          spec.subject ?? 'request',
          parsed.error.issues.map((issue) => ({
            field: [...issue.path.map(String), ...unrecognizedKey(issue)].join('.'),
            message: issue.code === 'unrecognized_keys' ? 'not a field of this request' : issue.message,
          })),
        );
      const input = parsed.data as z.output<S>;
      const access = typeof spec.access === 'function' ? spec.access(input) : spec.access;
      if (access === 'operator') requireOperator(caller, spec.what);
      else requireRole(caller, access, spec.what);
      return spec.run(caller, input);
    },
  };
}

/** The first unknown key of an `unrecognized_keys` issue (whose path is the object's), else nothing. */
function unrecognizedKey(issue: z.core.$ZodIssue): string[] {
  return issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [issue.keys[0]] : [];
}
