import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessRisk, precheckDecision } from '../src/domain/deploy-risk';
import { OutputTail } from '../src/activities/process/output-tail';
import { telltaleLine } from '../src/activities/process/run-argv';
import type { DeploymentPast } from '../src/memory';

const deployment = (
  id: number,
  commit: string,
  status: DeploymentPast['recent'][number]['status'],
  failedStep: string | null = null,
  errorSignature: string | null = null,
) => ({
  id,
  commit,
  status,
  failedStep,
  errorSignature,
  changedPaths: [],
});

describe('deployment pre-check risk', () => {
  it('is low with a clean past and says so', () => {
    const none = assessRisk({ commit: 'c1', steps: ['build'], past: { recent: [], touchingPaths: [] } });
    assert.deepEqual(none, { risk: 0, reasons: ['no earlier deployments of this target'], signatures: [] });
    const clean = assessRisk({
      commit: 'c3',
      steps: ['build'],
      past: { recent: [deployment(2, 'c2', 'succeeded'), deployment(1, 'c1', 'succeeded')], touchingPaths: [] },
    });
    assert.equal(clean.risk, 0);
    assert.deepEqual(clean.reasons, ['none of the last 2 deployments of this target failed']);
  });

  it('adds up the same commit failing, the failure rate, overlapping paths and steps that failed before', () => {
    const past: DeploymentPast = {
      recent: [
        deployment(4, 'bad', 'rolled_back', 'build', 'Error: step build exited with code <n>'),
        deployment(3, 'x', 'cancelled'),
        { ...deployment(5, 'typo', 'failed', 'fetch'), commit: null },
        deployment(2, 'ok', 'succeeded'),
        deployment(1, 'old', 'failed', 'build', 'Error: step build exited with code <n>'),
      ],
      touchingPaths: [{ id: 1, commit: 'old', failedStep: 'build', errorSignature: 'E: other', overlap: ['src/a.ts'] }],
    };
    const r = assessRisk({ commit: 'bad', steps: ['install', 'build'], past });
    // 0.6 (same commit) + 0.3 × 2/3 (the cancelled one and the unresolved ref are not counted) + 0.15 (one overlap) + 0.1 (build failed twice)
    assert.equal(r.risk, 1);
    assert.equal(r.reasons.length, 4);
    assert.match(r.reasons[0]!, /^commit bad failed before \(1×; last: deployment 4 at build\)$/);
    assert.equal(r.reasons[1], '2 of the last 3 deployments of this target failed');
    assert.match(r.reasons[2]!, /^deployment 1 \(old\) changed src\/a\.ts too and failed at build$/);
    assert.equal(r.reasons[3], 'steps that failed before run again: build (2×)');
    assert.deepEqual(r.signatures.sort(), ['E: other', 'Error: step build exited with code <n>']);

    const other = assessRisk({ commit: 'new', steps: ['test'], past });
    assert.equal(other.risk, 0.35, '0.2 failure rate + 0.15 overlap; the same commit and the same steps do not apply');
  });

  it('applies the policy thresholds', () => {
    const policy = { approveAt: 0.5, blockAt: 0.9 };
    assert.deepEqual(
      [0, 0.49, 0.5, 0.89, 0.9, 1].map((r) => precheckDecision(r, policy)),
      ['go', 'go', 'approve', 'approve', 'block', 'block'],
    );
  });
});

describe('bounded output tail', () => {
  it('keeps the last bytes and says how much it dropped', () => {
    const tail = new OutputTail(10);
    tail.write(Buffer.from('hello '));
    assert.equal(tail.text(), 'hello ');
    tail.write(Buffer.from('wonderful '));
    tail.write(Buffer.from('world'));
    assert.equal(tail.total, 21);
    assert.equal(tail.text(), '[… 11 earlier bytes not kept]\nrful world');
  });

  it('never starts with half a character', () => {
    const tail = new OutputTail(4);
    tail.write(Buffer.from('aé€'));
    assert.equal(tail.text(), '[… 2 earlier bytes not kept]\n€');
  });
});

describe('telltale output line of a failed command', () => {
  it("picks the script's own error over npm's wrapper lines and log-file pointer", () => {
    const npm = [
      '> shop@1.0.0 build',
      '> tsc -p .',
      "src/index.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
      'npm error Lifecycle script `build` failed with error:',
      'npm error code 2',
      'npm error A complete log of this run can be found in: /root/.npm/_logs/2026-11-21T22_40_01_123Z-debug-0.log',
      '',
    ].join('\n');
    assert.equal(
      telltaleLine(npm),
      "src/index.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
    );
    assert.equal(
      telltaleLine('npm error code 2\nnpm error A complete log of this run can be found in: /x.log'),
      'npm error code 2',
    );
  });

  it('falls back to the last line when none names an error', () => {
    assert.equal(telltaleLine('step one\nstep two\nhealth says broken\n'), 'health says broken');
    assert.equal(telltaleLine(''), '');
  });
});
