/**
 * The memory-aware pre-check: past deployments of the target and of the paths a commit changes
 * give a risk and reasons; the target's policy decides.
 */
import { assessRisk, precheckDecision, type PrecheckDecision, type RiskAssessment } from '../../domain/deploy-risk';
import type { ActivityDeps } from '../deps';
import { activityWriteId } from '../idempotency';
import type { DeployTargets } from './activity-context';
import { changedPaths } from './git';

export function createPrecheckActivities({ store }: ActivityDeps, { targetOf }: DeployTargets) {
  return {
    /**
     * The memory-aware pre-check: past deployments of the target and of these paths give a risk
     * and reasons; the target's policy decides. Both go to the record and the decision log.
     */
    async assessDeployment(input: {
      deploymentId: number;
      target: string;
      commit: string;
      baseCommit: string | null;
      forcedBy?: string;
    }): Promise<RiskAssessment & { decision: PrecheckDecision }> {
      const t = targetOf(input.target);
      // The same diff fetchRef recorded (computed again rather than carried through the history).
      const paths = await changedPaths(t.directory, input.baseCommit, input.commit);
      const past = await store.deployments.past({ target: t.name, paths, excludeId: input.deploymentId });
      const assessment = assessRisk({ commit: input.commit, steps: t.steps.map((s) => s.name), past });
      const policy = precheckDecision(assessment.risk, t.precheck);
      // A person who forces a deployment takes the decision; the log keeps what the policy said.
      const decision = input.forcedBy ? 'go' : policy;
      await store.deployments.recordRisk({
        id: input.deploymentId,
        risk: assessment.risk,
        riskReasons: assessment.reasons,
      });
      const said = policy === 'go' ? 'go on' : policy === 'approve' ? 'ask for approval' : 'block';
      const overridden = input.forcedBy && policy !== 'go' ? ` (overridden by ${input.forcedBy})` : '';
      await store.decisions.record({
        agentId: 'DeploymentManager',
        decision: `pre-check of ${t.name} ${input.commit.slice(0, 12)}: ${said}${overridden}`,
        confidence: 1 - assessment.risk,
        context: {
          target: t.name,
          commit: input.commit,
          risk: assessment.risk,
          reasons: assessment.reasons,
          policy: t.precheck,
          changedPaths: paths.length,
        },
        patterns: assessment.signatures,
        dedupeKey: activityWriteId(),
      });
      return { ...assessment, decision };
    },
  };
}
