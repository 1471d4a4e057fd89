/**
 * Builds a BrainOps worker: the workflows of `src/workflows`, the activities of
 * `src/activities` with their dependencies injected, and the interceptors that record work
 * history and mark non-retryable failures.
 */
import type { Connection } from '@temporalio/client';
import {
  Worker,
  type ActivityInterceptorsFactory,
  type NativeConnection,
  type WorkflowBundle,
} from '@temporalio/worker';
import type { Logger } from 'pino';
import { configuredSecrets, databaseUrl, type BrainOpsConfig } from '../temporal.config';
import { createActivities } from './activities';
import { failureInterceptor } from './interceptors/failures';
import { workHistoryInterceptor } from './interceptors/work-history';
import type { MemoryStore } from './memory';
import { BUILTIN_PROCEDURES } from './agents';
import { defineProcedure, procedureRegistry } from './services/procedure-definitions';

/** Path of the workflows module, for `workflowsPath` and `bundleWorkflowCode`. */
export const WORKFLOWS_PATH = require.resolve('./workflows');
/** Workflow interceptor modules, for `bundleWorkflowCode({ workflowInterceptorModules })`. */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('./workflows/interceptors')];

export interface BrainOpsWorkerOptions {
  config: BrainOpsConfig;
  store: MemoryStore;
  logger: Logger;
  connection: NativeConnection;
  /** Client connection the activities use (health checks). */
  clientConnection: Connection;
  /** Overrides `config.temporal.taskQueue` (tests use one queue each). */
  taskQueue?: string;
  /**
   * A prebuilt bundle (tests build it once), built with `WORKFLOW_INTERCEPTOR_MODULES`; otherwise the
   * workflows are bundled at start.
   */
  workflowBundle?: WorkflowBundle;
  /** More activity interceptors, run inside BrainOps' own (closest to the activity). */
  activityInterceptors?: ActivityInterceptorsFactory[];
}

export async function createWorker(options: BrainOpsWorkerOptions): Promise<Worker> {
  const { config, store, logger } = options;
  const taskQueue = options.taskQueue ?? config.temporal.taskQueue;
  // Nothing the worker writes keeps a configured secret (see src/domain/redact.ts).
  const secrets = configuredSecrets(config);
  store.addSecrets(secrets);
  await storeBuiltinProcedures(store, config, logger);
  return Worker.create({
    connection: options.connection,
    namespace: config.temporal.namespace,
    taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(
      {
        store,
        logger,
        temporal: options.clientConnection,
        namespace: config.temporal.namespace,
        taskQueue,
        memoryDatabaseUrl: databaseUrl(config),
        embedder: store.embedder,
        secrets,
      },
      config,
    ),
    interceptors: {
      activity: [workHistoryInterceptor(store, logger), failureInterceptor, ...(options.activityInterceptors ?? [])],
      // A prebuilt bundle already contains the workflow interceptors (bundleWorkflowCode's
      // workflowInterceptorModules); naming them again only makes the SDK warn that it ignores them.
      ...(options.workflowBundle ? {} : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }),
    },
    ...(config.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: config.maxCachedWorkflows }),
    // A continue-as-new that races a signal evicts the run; its next task waits this long on the
    // sticky queue before any worker may take it (default 10 s), so a session stalls that long.
    stickyQueueScheduleToStartTimeout: '1s',
    // Graceful shutdown: running activities get this long to finish before they are cancelled.
    shutdownGraceTime: '10s',
  });
}

/** Stores the built-in procedures (version by version; a stored version is left as it is). */
export async function storeBuiltinProcedures(
  store: MemoryStore,
  config: BrainOpsConfig,
  logger: Logger,
): Promise<void> {
  const registry = procedureRegistry(config);
  for (const definition of BUILTIN_PROCEDURES) {
    try {
      await defineProcedure(store, registry, definition, 'builtin');
    } catch (error) {
      logger.warn({ err: error, procedure: definition.name }, 'built-in procedure not stored');
    }
  }
}
