/**
 * Replays every workflow history recorded in `test/histories` (by `npm run record-histories`)
 * against the workflow code as it is now, bundled as the worker bundles it (same workflows module,
 * same workflow interceptor modules): a change to a workflow that would break its running
 * executions fails here with Temporal's nondeterminism error, naming the history. The manifest
 * gives each history's workflow id (child workflow ids are derived from it, and replay checks
 * them). Needs neither a Temporal server nor PostgreSQL.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { Worker, type ReplayResult } from '@temporalio/worker';
import * as workflows from '../src/workflows';
import { workflowBundle } from './helpers';
import { historyFromJson, type History } from './history-json';

const DIR = path.join(__dirname, 'histories');
const MANIFEST = 'manifest.json';

interface ManifestEntry {
  file: string;
  workflowId: string;
  workflowType: string;
  covers: string;
}

describe('recorded workflow histories replay on the current workflow code', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(DIR, MANIFEST), 'utf8')) as ManifestEntry[];
  const files = fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.json') && f !== MANIFEST)
    .sort();
  const histories = new Map<string, History>();
  const results = new Map<string, ReplayResult>();

  before(async () => {
    for (const entry of manifest)
      histories.set(entry.file, historyFromJson(fs.readFileSync(path.join(DIR, entry.file), 'utf8')));
    // One replay worker for all of them; results come back one per history, in order.
    const replays = Worker.runReplayHistories(
      { workflowBundle: await workflowBundle(), replayName: 'replay-test' },
      manifest.map((e) => ({ workflowId: e.workflowId, history: histories.get(e.file)! })),
    );
    let i = 0;
    for await (const result of replays) results.set(manifest[i++]!.file, result);
  });

  it('has histories, every one named in the manifest, and one at least of every workflow', () => {
    assert.ok(files.length > 0, `no histories in ${DIR}: run \`npm run record-histories\``);
    assert.deepEqual(manifest.map((e) => e.file).sort(), files, `${MANIFEST} lists exactly the history files`);
    const types = new Set(manifest.map((e) => e.workflowType));
    assert.deepEqual(
      Object.keys(workflows).filter((w) => !types.has(w)),
      [],
      'workflows without a recorded history',
    );
    for (const entry of manifest) {
      const started = histories.get(entry.file)?.events?.[0]?.workflowExecutionStartedEventAttributes;
      assert.equal(
        started?.workflowType?.name,
        entry.workflowType,
        `${entry.file} is a history of ${entry.workflowType}`,
      );
    }
    assert.equal(results.size, files.length, 'every history was replayed');
  });

  for (const entry of manifest) {
    it(`replays ${entry.file} (${entry.workflowType})`, () => {
      const result = results.get(entry.file);
      assert.ok(result, `${entry.file} was not replayed`);
      assert.equal(result.workflowId, entry.workflowId);
      if (result.error) assert.fail(`${entry.file} (${entry.covers}) no longer replays: ${result.error.message}`);
    });
  }
});
