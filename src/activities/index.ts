/**
 * All activities of a BrainOps worker, built from their dependencies (pg pool via the memory
 * store, logger, config, Temporal connection). Workflows import this factory as a type only.
 */
import type { ActivityDeps } from './deps';
import { createDeploymentActivities } from './deployments';
import { createErrorLearningActivities } from './error-learning';
import { createGuardianActivities } from './guardian';
import { createLearningActivities } from './learning';
import { createMemoryActivities } from './memory';
import { createMonitorActivities } from './monitor';
import { createSessionActivities } from './sessions';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSessionActivities(deps),
    ...createMemoryActivities(deps),
    ...createMonitorActivities(deps),
    ...createErrorLearningActivities(deps),
    ...createGuardianActivities(deps),
    ...createLearningActivities(deps),
    ...createDeploymentActivities(deps),
  };
}
