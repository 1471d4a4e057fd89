/**
 * The layering of BrainOps as rules (docs/architecture.md "Layers"): each layer imports only the
 * layers below it, workflows see activities as types only, the adapters (HTTP, MCP, the console)
 * sit on the API and on nothing beside it, and nothing imports in a loop. `npm run lint` fails on
 * a dependency that breaks one of these rules.
 *
 *   contracts → domain → memory → services → activities → workflows → client → api → http, mcp, console → cli
 *   (agents: definitions beside contracts; metrics: an observer of the memory store; stack: the
 *   assembler over all of them)
 */
const below = (...layers) => `^(?!src/(${layers.join('|')})/)(src/|temporal\\.config)`;

/** A rule: files under `from` may import only the `allowed` layers of the project (the configuration is ruled apart). */
const onlyImports = (name, from, allowed, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path: `^src/(${from})/` },
  to: { path: below(...allowed), pathNot: '^temporal\\.config' },
});

/** A rule: files under `from` import the configuration as types only (they receive it injected). */
const configAsTypes = (name, from) => ({
  name,
  severity: 'error',
  comment: 'this layer receives its configuration: it imports its types only',
  from: { path: `^src/(${from})/` },
  to: { path: '^temporal\\.config', dependencyTypesNot: ['type-only'] },
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
    {
      name: 'lower-layers-need-no-config',
      severity: 'error',
      comment: 'contracts, domain rules and the memory store take what they need as arguments, never the configuration',
      from: { path: '^src/(contracts|domain|memory)/' },
      to: { path: '^temporal\\.config' },
    },
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
    onlyImports(
      'services-import-below',
      'services',
      ['contracts', 'domain', 'memory', 'agents', 'services'],
      'services (the brief, guidance, agent selection, procedure definitions, error reports) are shared by activities and the API: they use memory, never activities, workflows or clients',
    ),
    configAsTypes('services-read-config-types', 'services'),
    onlyImports(
      'activities-import-below',
      'activities|interceptors',
      ['contracts', 'domain', 'memory', 'agents', 'services', 'activities', 'interceptors'],
      'activities (and their interceptors) use services, memory, domain, contracts and agent definitions, never workflows or clients',
    ),
    configAsTypes('activities-read-config-types', 'activities|interceptors'),
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
      to: { path: '^src/(client|api|cli|stack|http|mcp|console|metrics)/' },
    },
    onlyImports(
      'client-is-temporal-only',
      'client',
      ['contracts', 'domain', 'workflows', 'client'],
      'the client is the Temporal client only: workflows (started by name and type), contracts and domain rules; what needs the database is the API’s',
    ),
    {
      name: 'api-below-adapters',
      severity: 'error',
      comment: 'the API is transport-free: it uses services, memory and the client, never an adapter or the stack',
      from: { path: '^src/api/' },
      to: { path: '^src/(http|mcp|console|metrics|cli|stack|activities|interceptors)/' },
    },
    onlyImports(
      'http-is-an-adapter',
      'http',
      ['contracts', 'domain', 'api', 'http'],
      'the HTTP server is an adapter over the API: it imports the API, contracts and domain rules, never MCP, the client or the memory store',
    ),
    onlyImports(
      'mcp-is-an-adapter',
      'mcp',
      ['contracts', 'domain', 'api', 'mcp'],
      'the MCP server is an adapter over the API: it imports the API and contracts, never HTTP, the client or the memory store',
    ),
    onlyImports(
      'console-is-an-adapter',
      'console',
      ['contracts', 'domain', 'api', 'console'],
      'the web console is an adapter over the API: it reads and acts through the API’s operations (api.console, api.memory), never through the memory store, the client, HTTP or MCP',
    ),
    configAsTypes('adapters-read-config-types', 'http|mcp|console'),
    onlyImports(
      'metrics-observe-below',
      'metrics',
      ['contracts', 'domain', 'memory', 'metrics'],
      'the metrics observe the memory store and serve the process’s registry: they import memory, domain rules and contracts, never the API, an adapter, the client or the stack',
    ),
    configAsTypes('metrics-read-config-types', 'metrics'),
    {
      name: 'stack-below-cli',
      severity: 'error',
      comment: 'the stack assembler does not depend on the CLI that runs it',
      from: { path: '^src/stack/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist|\\.brainops)/' },
  },
};
