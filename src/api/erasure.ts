/**
 * Erasure operations: start the erasure of a data subject — a user of the key's tenant, or the
 * whole tenant — as a durable workflow, and read its receipt. A tenant's admin erases in its own
 * tenant only; the operator names the tenant. The receipt opens (status `running`) before the
 * workflow starts, so a status read right after the start finds it.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { BrainOpsConfig } from '../../temporal.config';
import type { BrainOpsClient } from '../client/brainops-client';
import { erasureWorkflowId, type ErasureReceipt } from '../contracts/erasure';
import { ownerId } from '../contracts/memory';
import type { MemoryStore } from '../memory';
import { isOperator } from './caller';
import { notFound } from './errors';
import { operation } from './operation';

/** Exactly one subject: a user (`userId`), or the whole tenant (`wholeTenant: true`, never implied). */
export const eraseInput = z
  .strictObject({
    tenantId: ownerId,
    userId: ownerId.optional(),
    /** Erase every row of the tenant; must be said explicitly. */
    wholeTenant: z.boolean().default(false),
  })
  .superRefine((input, ctx) => {
    if (input.wholeTenant === (input.userId !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['userId'],
        message: 'name either a user (user_id) or the whole tenant (whole_tenant: true), not both',
      });
  });
export const erasureStatusInput = z.strictObject({ erasureId: z.string().uuid() });

/** The erasure operations over `store` and the Temporal client. */
export function erasureOperations(
  store: () => Promise<MemoryStore>,
  client: () => Promise<BrainOpsClient>,
  config: BrainOpsConfig,
) {
  return {
    start: operation({
      name: 'erasure.start',
      summary: 'Erase a data subject (a user of the tenant, or the whole tenant) for good; answers at once',
      subject: 'erasure',
      what: 'erasing data',
      input: eraseInput,
      access: 'admin',
      /**
       * Opens the receipt and starts the workflow; `running` until the workflow closes the receipt.
       * @throws what starting the workflow throws (the receipt is removed again).
       */
      run: async (caller, input): Promise<{ erasureId: string; status: 'running' }> => {
        const erasure = (await store()).erasure;
        const erasureId = randomUUID();
        const subject = { tenantId: input.tenantId, ...(input.userId ? { userId: input.userId } : {}) };
        await erasure.beginReceipt({
          erasureId,
          ...subject,
          requestedBy: { keyId: caller.keyId, name: isOperator(caller) ? caller.name : `key:${caller.keyId}` },
        });
        try {
          await (
            await client()
          ).temporal.workflow.start('erasureWorkflow', {
            taskQueue: config.temporal.taskQueue,
            workflowId: erasureWorkflowId(erasureId),
            args: [{ erasureId }],
          });
        } catch (error) {
          await erasure.dropReceipt(erasureId);
          throw error;
        }
        return { erasureId, status: 'running' };
      },
      answer: (started) => ({ success: true as const, ...started }),
    }),

    status: operation({
      name: 'erasure.status',
      summary: 'The receipt of an erasure: running, or finished with rows deleted per table',
      subject: 'erasure status',
      what: 'reading erasures',
      input: erasureStatusInput,
      access: 'admin',
      /** @throws ApiError `not_found` for an unknown erasure (also another tenant's). */
      run: async (caller, input): Promise<ErasureReceipt> => {
        const tenantId = isOperator(caller) ? undefined : caller.tenantId;
        const receipt = await (await store()).erasure.receipt(input.erasureId, tenantId);
        if (!receipt) throw notFound(`no erasure ${input.erasureId}`);
        return receipt;
      },
      answer: (receipt) => ({ success: true as const, ...receipt }),
    }),
  };
}
