/**
 * Registers BrainOps' custom search attributes on a Temporal server that lacks them (the dev
 * server gets them at start-up). Temporal Cloud manages them through its own API: there a
 * refusal is reported, not fatal.
 */
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import { SEARCH_ATTRIBUTES } from '../contracts/names';

export async function ensureSearchAttributes(connection: Connection, namespace: string, logger: Logger): Promise<void> {
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.values(SEARCH_ATTRIBUTES).filter((key) => !(key.name in (existing.customAttributes ?? {})));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
    logger.info(`registered search attributes ${missing.map((k) => k.name).join(', ')}`);
  } catch (error) {
    logger.warn(
      { err: error },
      'could not register search attributes; register BrainOpsAgent, BrainOpsSession and BrainOpsTenant (Keyword) by hand',
    );
  }
}
