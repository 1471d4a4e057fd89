/**
 * The layering rules of `.dependency-cruiser.cjs` (docs/architecture.md "Layers"), run as
 * `npm run lint` runs them: the real tree passes, and a small tree with a wrong import, a value
 * import of activities into a workflow, an adapter (HTTP, MCP, the console) reaching past the API,
 * metrics reaching the API, or an import loop fails with the rule it broke.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.join(__dirname, '..');
const cruiser = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const config = path.join(root, '.dependency-cruiser.cjs');

function cruise(cwd: string, ...paths: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [cruiser, ...paths, '--config', config, '--output-type', 'err'], {
    cwd,
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A throw-away tree of `files` (path → source) with a tsconfig, for the rules to judge. */
function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-layering-'));
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'preserve', moduleResolution: 'bundler' } }),
  );
  for (const [file, source] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), source);
  }
  return dir;
}

describe('layering (npm run lint)', () => {
  it('passes on the project itself', () => {
    const { status, output } = cruise(root, 'src', 'temporal.config.ts');
    assert.equal(status, 0, output);
  });

  it('fails on an import from a lower layer to a higher one, naming the rule', () => {
    const dir = tree({
      'src/memory/entries.ts':
        "import { sessionWorkflow } from '../workflows/session';\nexport const x = sessionWorkflow;\n",
      'src/workflows/session.ts': 'export function sessionWorkflow() {}\n',
    });
    const { status, output } = cruise(dir, 'src');
    assert.notEqual(status, 0);
    assert.match(output, /memory-imports-below: src\/memory\/entries\.ts → src\/workflows\/session\.ts/);
  });

  it('fails when a workflow imports activity code as a value, or reaches past the factory', () => {
    const dir = tree({
      'src/workflows/deployment.ts':
        "import { createActivities } from '../activities';\nimport type { StepOutcome } from '../activities/deployments';\nexport const y: StepOutcome | undefined = undefined;\nexport const x = createActivities;\n",
      'src/activities/index.ts': 'export function createActivities() {}\n',
      'src/activities/deployments.ts': 'export interface StepOutcome { exitCode: number }\n',
    });
    const { status, output } = cruise(dir, 'src');
    assert.notEqual(status, 0);
    assert.match(
      output,
      /workflows-import-activities-as-types: src\/workflows\/deployment\.ts → src\/activities\/index\.ts/,
    );
    assert.match(
      output,
      /workflows-see-only-the-activity-factory: src\/workflows\/deployment\.ts → src\/activities\/deployments\.ts/,
    );
  });

  it('fails on an import loop and on contracts importing the project', () => {
    const dir = tree({
      'src/activities/a.ts': "import { b } from './b';\nexport const a = () => b();\n",
      'src/activities/b.ts': "import { a } from './a';\nexport const b = () => a();\n",
      'src/contracts/session.ts': "import type { Queryable } from '../memory/entries';\nexport type Q = Queryable;\n",
      'src/memory/entries.ts': 'export interface Queryable { query(): void }\n',
    });
    const { status, output } = cruise(dir, 'src');
    assert.notEqual(status, 0);
    assert.match(output, /no-circular/);
    assert.match(output, /contracts-import-nothing: src\/contracts\/session\.ts → src\/memory\/entries\.ts/);
  });

  it('fails when an adapter imports another adapter or the client, or the client reaches the database', () => {
    const dir = tree({
      'src/http/server.ts': "import { registerMcpRoute } from '../mcp/http';\nexport const x = registerMcpRoute;\n",
      'src/mcp/http.ts':
        "import { BrainOpsClient } from '../client/brainops-client';\nexport const registerMcpRoute = BrainOpsClient;\n",
      'src/client/brainops-client.ts':
        "import { MemoryStore } from '../memory/store';\nimport { selectAgent } from '../services/agent-selection';\nexport const BrainOpsClient = [MemoryStore, selectAgent];\n",
      'src/memory/store.ts': 'export class MemoryStore {}\n',
      'src/services/agent-selection.ts': 'export function selectAgent() {}\n',
    });
    const { status, output } = cruise(dir, 'src');
    assert.notEqual(status, 0);
    assert.match(output, /http-is-an-adapter: src\/http\/server\.ts → src\/mcp\/http\.ts/);
    assert.match(output, /mcp-is-an-adapter: src\/mcp\/http\.ts → src\/client\/brainops-client\.ts/);
    assert.match(output, /client-is-temporal-only: src\/client\/brainops-client\.ts → src\/memory\/store\.ts/);
    assert.match(
      output,
      /client-is-temporal-only: src\/client\/brainops-client\.ts → src\/services\/agent-selection\.ts/,
    );
  });

  it('fails when the console reaches past the API, or the metrics reach the API', () => {
    const dir = tree({
      'src/console/routes.ts':
        "import { MemoryStore } from '../memory/store';\nimport { BrainOpsClient } from '../client/brainops-client';\nimport { api } from '../api/index';\nexport const x = [MemoryStore, BrainOpsClient, api];\n",
      'src/metrics/http.ts': "import { api } from '../api/index';\nexport const y = api;\n",
      'src/api/index.ts': 'export const api = {};\n',
      'src/memory/store.ts': 'export class MemoryStore {}\n',
      'src/client/brainops-client.ts': 'export class BrainOpsClient {}\n',
    });
    const { status, output } = cruise(dir, 'src');
    assert.notEqual(status, 0);
    assert.match(output, /console-is-an-adapter: src\/console\/routes\.ts → src\/memory\/store\.ts/);
    assert.match(output, /console-is-an-adapter: src\/console\/routes\.ts → src\/client\/brainops-client\.ts/);
    assert.doesNotMatch(output, /src\/console\/routes\.ts → src\/api\/index\.ts/, 'the console may use the API');
    assert.match(output, /metrics-observe-below: src\/metrics\/http\.ts → src\/api\/index\.ts/);
  });
});
