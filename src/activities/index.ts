/**
 * All activities of a BrainOps worker, built from their dependencies (pg pool via the memory
 * store, logger, Temporal connection) and the configuration slices each needs. Workflows import
 * this factory as a type only.
 */
import type { ActivityConfig, ActivityDeps } from './deps';
import { createDeploymentActivities } from './deployments';
import { createEmbeddingActivities } from './embeddings';
import { createErasureActivities } from './erasure';
import { createErrorLearningActivities } from './error-learning';
import { createGuardianActivities } from './database-guardian/index';
import { createLearningActivities } from './learning';
import { createMemoryActivities } from './memory';
import { createMonitorActivities } from './system-monitor';
import { createSessionActivities } from './sessions';
import { createProcedureActivities } from './procedures';

export type { ActivityConfig, ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps, config: ActivityConfig) {
  return {
    ...createSessionActivities(deps),
    ...createMemoryActivities(deps),
    ...createMonitorActivities(deps, {
      healthTargets: config.healthTargets,
      allowAdHocTargets: config.allowAdHocTargets,
      deployTargets: config.deploy.targets,
    }),
    ...createErrorLearningActivities(deps, config.errorLearning),
    ...createGuardianActivities(deps, config.guardian),
    ...createLearningActivities(deps, { accessLogDays: config.api.accessLogDays }),
    ...createDeploymentActivities(deps, config.deploy),
    ...createEmbeddingActivities(deps),
    ...createErasureActivities(deps),
    ...createProcedureActivities(deps, config),
  };
}
