/**
 * Procedure definitions as data: what a worker's configuration lets a procedure refer to, storing
 * a definition as an immutable version (checked against that), and resolving the stored version
 * a run uses with its parameters checked. Both the API (define, run) and the activities (an
 * orchestrated procedure step) use them.
 */
import type { BrainOpsConfig } from '../../temporal.config';
import { workflowTypes } from '../agents';
import { ValidationError } from '../contracts/errors';
import {
  procedureDefinitionSchema,
  referenceIssues,
  type ProcedureDefinition,
  type ProcedureDefinitionInput,
  type ProcedureRegistry,
  type StoredProcedure,
} from '../contracts/procedure';
import { parseInput } from '../contracts/validate';
import type { MemoryStore } from '../memory';

/** What procedures may refer to on a worker with this configuration. */
export function procedureRegistry(config: Pick<BrainOpsConfig, 'errorLearning' | 'healthTargets'>): ProcedureRegistry {
  return {
    remediations: Object.keys(config.errorLearning.remediations).sort(),
    healthTargets: config.healthTargets.map((t) => t.name),
    workflowTypes: workflowTypes(),
  };
}

/**
 * Validates a definition (schema, then references) and stores it as an immutable version.
 * @throws ValidationError naming the field: a bad field, an unregistered reference, or another
 *   definition already stored under this name and version.
 */
export async function defineProcedure(
  store: MemoryStore,
  registry: ProcedureRegistry,
  raw: ProcedureDefinitionInput,
  source: StoredProcedure['source'],
): Promise<{ definition: ProcedureDefinition; created: boolean }> {
  const definition = parseInput(procedureDefinitionSchema, raw, 'procedure');
  const issues = referenceIssues(definition, registry);
  if (issues.length) throw new ValidationError('procedure', issues);
  const { created, conflict } = await store.procedures.insert({ definition, source });
  if (conflict)
    throw new ValidationError('procedure', [
      {
        field: 'version',
        message: `${definition.name} v${definition.version} is stored with another definition; a change needs a new version`,
      },
    ]);
  return { definition, created };
}

/**
 * The stored definition of `name` (newest version unless given), with run parameters checked.
 * @throws ValidationError naming `name`, `version` or a missing `params.<name>`.
 */
export async function resolveProcedure(
  store: MemoryStore,
  name: string,
  version: number | undefined,
  params: Record<string, unknown>,
): Promise<ProcedureDefinition> {
  const stored = await store.procedures.get({ name, version });
  if (!stored)
    throw new ValidationError('procedure run', [
      version === undefined
        ? { field: 'name', message: `no procedure "${name}"` }
        : { field: 'version', message: `no version ${version} of procedure "${name}"` },
    ]);
  const definition = stored.definition;
  const missing = Object.entries(definition.params)
    .filter(([p, d]) => d.required && (params[p] === undefined || params[p] === ''))
    .map(([p, d]) => ({
      field: `params.${p}`,
      message: `required by ${name} v${definition.version}${d.description ? `: ${d.description}` : ''}`,
    }));
  if (missing.length) throw new ValidationError('procedure run', missing);
  const unknown = Object.keys(params)
    .filter((p) => !(p in definition.params))
    .map((p) => ({
      field: `params.${p}`,
      message: `not a parameter of ${name} (parameters: ${Object.keys(definition.params).join(', ') || 'none'})`,
    }));
  if (unknown.length) throw new ValidationError('procedure run', unknown);
  return definition;
}
