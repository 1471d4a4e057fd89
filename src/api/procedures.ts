/**
 * WorkflowOrchestrator's operations that need memory: guidance for a task (and linking the
 * outcome of what it guided), choosing an agent by its record, and procedure definitions —
 * define, list, show — and starting a run of a stored version.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { BrainOpsConfig } from '../../temporal.config';
import { guidanceInputSchema, guidanceOutcomeSchema } from '../contracts/guidance';
import { procedureDefinitionSchema } from '../contracts/procedure';
import { procedureRunInputSchema } from '../contracts/procedure-messages';
import type { BrainOpsClient } from '../client/brainops-client';
import type { MemoryStore } from '../memory';
import { selectAgent, selectionSchema } from '../services/agent-selection';
import { computeGuidance, recordGuidanceOutcome } from '../services/guidance';
import { defineProcedure, procedureRegistry, resolveProcedure } from '../services/procedure-definitions';
import { callerName } from './caller';
import { notFound } from './errors';
import { operation } from './operation';

/** Guidance, agent selection and procedure operations. */
export function procedureOperations(
  store: () => Promise<MemoryStore>,
  client: () => Promise<BrainOpsClient>,
  config: BrainOpsConfig,
) {
  return {
    /** What memory recommends for a task, with a confidence and its evidence; recorded in the decision log. */
    guidance: operation({
      name: 'guidance',
      summary: 'What memory recommends for a task',
      subject: 'guidance request',
      what: 'asking for guidance',
      input: guidanceInputSchema,
      access: 'operator',
      run: async (caller, input) => computeGuidance(await store(), input, `api/${randomUUID()}/${callerName(caller)}`),
    }),

    guidanceOutcome: operation({
      name: 'guidance.outcome',
      summary: 'Link the outcome of the operation a guidance decision guided',
      subject: 'guidance outcome',
      what: 'recording a guidance outcome',
      input: guidanceOutcomeSchema,
      access: 'operator',
      run: async (_caller, outcome) => recordGuidanceOutcome(await store(), outcome),
    }),

    selectAgent: operation({
      name: 'agents.select',
      summary: 'Choose among agents that can all do a capability by their record',
      subject: 'agent selection',
      what: 'selecting an agent',
      input: selectionSchema,
      access: 'operator',
      run: async (_caller, input) => selectAgent(await store(), input, `api/${randomUUID()}`),
    }),

    define: operation({
      name: 'procedures.define',
      summary: 'Store a procedure version (immutable)',
      subject: 'procedure',
      what: 'defining a procedure',
      input: procedureDefinitionSchema,
      access: 'operator',
      run: async (_caller, definition) => {
        const stored = await defineProcedure(await store(), procedureRegistry(config), definition, 'client');
        return { name: stored.definition.name, version: stored.definition.version, created: stored.created };
      },
    }),

    list: operation({
      name: 'procedures.list',
      summary: 'Procedures: the newest version of each, or every version',
      subject: 'procedures list',
      what: 'listing procedures',
      input: z.strictObject({ allVersions: z.boolean().optional() }),
      access: 'operator',
      run: async (_caller, input) => (await store()).procedures.list(input),
    }),

    show: operation({
      name: 'procedures.show',
      summary: 'A procedure version (the newest unless given)',
      subject: 'procedure',
      what: 'reading a procedure',
      input: z.strictObject({ name: z.string().min(1).max(64), version: z.number().int().min(1).optional() }),
      access: 'operator',
      run: async (_caller, { name, version }) => {
        const found = await (await store()).procedures.get({ name, version });
        if (!found) throw notFound(`no procedure ${name}${version ? ` v${version}` : ''}`);
        return found;
      },
    }),

    /** Starts a run of a stored procedure version; its parameters are checked against the definition. */
    run: operation({
      name: 'procedures.run',
      summary: 'Run a procedure',
      subject: 'procedure run',
      what: 'running a procedure',
      input: procedureRunInputSchema,
      access: 'operator',
      run: async (_caller, r) => {
        const definition = await resolveProcedure(await store(), r.name, r.version, r.params);
        return (await client()).procedures.start(definition, r);
      },
    }),
  };
}
