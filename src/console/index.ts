/**
 * The web console's entry point for a server: {@link consoleExtension} mounts it at `/console` on
 * the API server (an extension the stack registers, as MCP is), over the API's console operations
 * and sign-in sessions.
 */
import type { FastifyInstance } from 'fastify';
import type { BrainOpsConfig } from '../../temporal.config';
import type { BrainOpsApi } from '../api';
import { consolePlugin } from './plugin';
import { CONSOLE_PREFIX } from './views/layout';

export { consolePlugin, type ConsolePluginOptions } from './plugin';
export { CONSOLE_PREFIX } from './views/layout';

/**
 * The console as a server extension: registers it at `/console` when `config.console.enabled`
 * (otherwise nothing).
 */
export function consoleExtension(api: BrainOpsApi, config: BrainOpsConfig): (app: FastifyInstance) => void {
  return (app) => {
    if (!config.console.enabled) return;
    void app.register(consolePlugin, {
      prefix: CONSOLE_PREFIX,
      api,
      links: { uiUrl: config.console.temporalUiUrl, namespace: config.temporal.namespace },
      sessionTtlMs: config.console.sessionTtlMs,
    });
  };
}
