/**
 * The brief and the operator's actions: the session-start brief of a tenant (JSON or Markdown),
 * SystemMonitor run now, request metrics of this server process's keys, the insights learning
 * cycles and DatabaseGuardian wrote, and recorded backups.
 */
import { z } from 'zod';
import type { BrainOpsConfig } from '../../temporal.config';
import { ownerId } from '../contracts/memory';
import type { BrainOpsClient } from '../client/brainops-client';
import type { MemoryStore } from '../memory';
import { buildBrief, briefToMarkdown } from '../services/brief';
import type { AccessLog } from './access-log';
import { isOperator } from './caller';
import { forbidden } from './errors';
import { operation } from './operation';

export const briefInput = z.strictObject({ tenantId: ownerId });

/** The brief, monitor, metrics, insights and backups operations. */
export function operatorOperations(
  store: () => Promise<MemoryStore>,
  client: () => Promise<BrainOpsClient>,
  config: BrainOpsConfig,
  accessLog?: AccessLog,
) {
  const brief = async (tenantId: string) => buildBrief(await store(), tenantId, config.sharedStatus);
  return {
    /** The session-start brief of the caller's tenant: last context, open tasks, system status, recent errors. */
    brief: operation({
      name: 'session.brief',
      summary: 'Session-start brief: last context, open tasks, system status, recent errors',
      subject: 'brief',
      what: 'reading the brief',
      input: briefInput,
      access: 'reader',
      run: async (_caller, { tenantId }) => ({ success: true as const, brief: await brief(tenantId) }),
    }),

    /** The brief as Markdown, for a person or an AI session's context. */
    briefMarkdown: operation({
      name: 'session.brief',
      summary: 'Session-start brief as Markdown',
      subject: 'brief',
      what: 'reading the brief',
      input: briefInput,
      access: 'reader',
      run: async (_caller, { tenantId }) => briefToMarkdown(await brief(tenantId)),
    }),

    runMonitor: operation({
      name: 'admin.monitor',
      summary: 'Run the SystemMonitor over the configured targets now',
      subject: 'monitor run',
      what: 'running the system monitor',
      input: z.strictObject({ targets: z.array(z.string().min(1).max(200)).max(100).optional() }),
      access: 'operator',
      run: async (_caller, { targets }) => ({
        success: true as const,
        result: await (await client()).runMonitor(targets),
      }),
    }),

    /** Request metrics of the caller's tenant's keys in this server process (the operator: every key). */
    metrics: operation({
      name: 'admin.metrics',
      summary: 'Request metrics of the tenant’s keys in this server process',
      subject: 'metrics',
      what: 'reading API metrics',
      input: z.strictObject({}),
      access: 'admin',
      run: async (caller) => {
        if (!accessLog) throw forbidden('this server keeps no metrics');
        return { success: true as const, keys: accessLog.metricsOf(isOperator(caller) ? undefined : caller.tenantId) };
      },
    }),

    insights: operation({
      name: 'learning.insights',
      summary: 'Insights in memory, most severe first',
      subject: 'insights list',
      what: 'listing insights',
      input: z.strictObject({
        keyPrefix: z.string().max(1000).optional(),
        status: z.enum(['open', 'resolved']).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      }),
      access: 'operator',
      run: async (_caller, input) => (await store()).insights.list(input),
    }),

    backups: operation({
      name: 'database.backups',
      summary: 'Recorded backups, newest first',
      subject: 'backups list',
      what: 'listing backups',
      input: z.strictObject({
        databaseName: z.string().min(1).max(200).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      }),
      access: 'operator',
      run: async (_caller, input) => (await store()).databaseGuardian.listBackups(input),
    }),
  };
}
