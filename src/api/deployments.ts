/**
 * DeploymentManager's operations that need memory: roll a target back to its previous good
 * release (read from its deployment records), and a target's deployment history.
 */
import { z } from 'zod';
import type { BrainOpsClient } from '../client/brainops-client';
import type { MemoryStore } from '../memory';
import { ValidationError } from '../contracts/errors';
import { operation } from './operation';

const target = z.string().min(1).max(200);

/** Rollback and history operations. */
export function deploymentOperations(store: () => Promise<MemoryStore>, client: () => Promise<BrainOpsClient>) {
  return {
    /**
     * Rolls `target` back to its previous good release (a `rollback` deployment of that commit).
     * @throws ValidationError naming `target` when it has no good release to go back to.
     */
    rollback: operation({
      name: 'deployments.rollback',
      summary: 'Roll a target back to its previous good release',
      subject: 'rollback',
      what: 'rolling back',
      input: z.strictObject({ target, startedBy: z.string().min(1).max(200).optional() }),
      access: 'operator',
      run: async (_caller, input) => {
        const deployments = (await client()).deployments;
        deployments.checkTarget(input.target);
        const { live, previous } = await (await store()).deployments.goodReleases({ target: input.target });
        if (!previous)
          throw new ValidationError('rollback', [
            {
              field: 'target',
              message: `${input.target} has no good release before ${live ? live.slice(0, 12) : 'the live one'} to go back to`,
            },
          ]);
        const started = await deployments.start(
          { target: input.target, ref: previous, startedBy: input.startedBy },
          'rollback',
        );
        return { ...started, commit: previous };
      },
    }),

    history: operation({
      name: 'deployments.history',
      summary: 'Deployment records of a target, newest first, with their steps',
      subject: 'deployment history',
      what: 'reading deployments',
      input: z.strictObject({ target, limit: z.number().int().min(1).max(1000).default(20) }),
      access: 'operator',
      run: async (_caller, input) => (await store()).deployments.list({ ...input, withSteps: true }),
    }),
  };
}
