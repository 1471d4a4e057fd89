/**
 * DeploymentManager's activities: resolve and fetch a ref, weigh the past (pre-check), check out
 * and build a release, switch it live, undo each of those, and keep the deployment record.
 * Targets are looked up by name in this worker's configuration: a workflow can only name one.
 * The activities live by concern in `deploy/`: the record, the pre-check, the build, the releases.
 */
import type { BrainOpsConfig } from '../../temporal.config';
import { deployTargets } from './deploy/activity-context';
import { createBuildActivities } from './deploy/build-activities';
import { createPrecheckActivities } from './deploy/precheck-activities';
import { createDeploymentRecordActivities } from './deploy/record-activities';
import { createReleaseActivities } from './deploy/release-activities';
import type { ActivityDeps } from './deps';

export { STEP_FAILED } from './deploy/build-activities';
export { TARGET_BUSY } from './deploy/record-activities';

export function createDeploymentActivities(deps: ActivityDeps, deploy: BrainOpsConfig['deploy']) {
  const targets = deployTargets(deploy);
  return {
    ...createDeploymentRecordActivities(deps, targets),
    ...createPrecheckActivities(deps, targets),
    ...createBuildActivities(deps, targets),
    ...createReleaseActivities(deps, targets),
  };
}
