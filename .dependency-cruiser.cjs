/**
 * The layering of BrainOps as rules (README "Architecture"): each layer imports only the layers
 * below it, workflows see activities as types only, and nothing imports in a loop. `npm run lint`
 * fails on a dependency that breaks one of these rules.
 */
const below = (...layers) => `^(?!src/(${layers.join('|')})/)(src/|temporal\\.config)`;

/** A rule: files under `from` may import only the `allowed` layers of the project. */
const onlyImports = (name, from, allowed, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path: `^src/(${from})/` },
  to: { path: below(...allowed) },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'an import loop', from: {}, to: { circular: true } },
    onlyImports(
      'contracts-import-nothing',
      'contracts',
      ['contracts'],
      'contracts (schemas, shapes, messages) are the bottom layer: they import nothing else of the project',
    ),
    onlyImports(
      'domain-imports-contracts',
      'domain',
      ['contracts', 'domain'],
      'domain rules are pure: contracts and other domain rules only',
    ),
    onlyImports(
      'memory-imports-below',
      'memory',
      ['contracts', 'domain', 'memory'],
      'the memory store (all SQL) imports only contracts and domain rules',
    ),
    onlyImports(
      'agents-are-definitions',
      'agents',
      ['contracts', 'agents'],
      'agent definitions are data: contracts only',
    ),
    {
      name: 'activities-import-below',
      severity: 'error',
      comment:
        'activities (and their interceptors) use memory, domain, contracts and agent definitions, never workflows or clients',
      from: { path: '^src/(activities|interceptors)/' },
      to: {
        path: below('contracts', 'domain', 'memory', 'agents', 'activities', 'interceptors'),
        pathNot: '^temporal\\.config',
      },
    },
    {
      name: 'activities-read-config-types',
      severity: 'error',
      comment: 'activities receive their configuration through the factory: they import its types only',
      from: { path: '^src/(activities|interceptors)/' },
      to: { path: '^temporal\\.config', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-are-deterministic',
      severity: 'error',
      comment: 'workflows import contracts, domain rules and each other; activities as types only',
      from: { path: '^src/workflows/' },
      to: { path: below('contracts', 'domain', 'workflows', 'activities') },
    },
    {
      name: 'workflows-import-activities-as-types',
      severity: 'error',
      comment: 'a workflow proxies activities: it imports their factory as a type only',
      from: { path: '^src/workflows/' },
      to: { path: '^src/activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-see-only-the-activity-factory',
      severity: 'error',
      comment:
        'shapes workflows and activities exchange live in contracts; a workflow names only the factory (src/activities/index.ts)',
      from: { path: '^src/workflows/' },
      to: { path: '^src/activities/(?!index\\.ts$)' },
    },
    {
      name: 'config-imports-contracts',
      severity: 'error',
      comment: 'the configuration schema is built from contracts and domain rules',
      from: { path: '^temporal\\.config' },
      to: { path: below('contracts', 'domain') },
    },
    {
      name: 'worker-below-clients',
      severity: 'error',
      comment: 'the worker does not depend on the clients that sit on top of it',
      from: { path: '^src/worker\\.ts' },
      to: { path: '^src/(client|cli|stack|http|mcp|console)/' },
    },
    {
      name: 'client-below-cli',
      severity: 'error',
      comment: 'the client API does not depend on the CLI, the local stack or the servers built on it',
      from: { path: '^src/client/' },
      to: { path: '^src/(cli|stack|http|mcp|console|metrics)/' },
    },
    {
      name: 'servers-below-cli',
      severity: 'error',
      comment:
        'the HTTP and MCP servers, the console and the metrics endpoints (clients of the client API) do not depend on the CLI or the local stack',
      from: { path: '^src/(http|mcp|console|metrics)/' },
      to: { path: '^src/(cli|stack)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|\\.brainops)/' },
  },
};
