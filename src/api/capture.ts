/**
 * Capture of what services already emit (docs/capture.md), transport-free: OpenTelemetry intake
 * (OTLP/HTTP) and the endpoint performance it fills. An export an export of spans or log
 * records, decoded from protobuf or OTLP JSON, becomes endpoint performance (server spans summed
 * per service, route, method and minute: one upsert per group) and error events (exception
 * events, spans with status ERROR, log records of severity ERROR and above), reported through
 * `reportError` once per signature and service with every occurrence counted. Records refused on
 * their own (bad times, beyond the per-request limit) are counted in the answer's partial success;
 * the rest of the request is kept. A server works on at most `otlp.maxConcurrent` exports at once.
 */
import { z } from 'zod';
import type { BrainOpsConfig } from '../../temporal.config';
import { OverloadedError } from '../contracts/errors';
import { ownerId } from '../contracts/memory';
import { text } from '../contracts/limits';
import { aggregateRequests } from '../domain/endpoint-aggregation';
import { errorSignature } from '../domain/error-signature';
import { captureLogs, captureTraces, type CapturedError, type CapturedExport } from '../domain/otlp-records';
import type { BrainOpsClient } from '../client/brainops-client';
import type { MemoryStore } from '../memory';
import { reportError } from '../services/error-reports';
import { forbidden } from './errors';
import { operation } from './operation';
import { decodeLogs, decodeTraces, encodeResponse, type OtlpEncoding, type OtlpSignal } from './otlp-codec';

export type { OtlpEncoding, OtlpSignal } from './otlp-codec';

export const endpointsInput = z.strictObject({
  tenantId: ownerId.optional(),
  /** Minutes from this time on. */
  since: z.date(),
  until: z.date().optional(),
  service: text(200, 1).optional(),
  route: text(200, 1).optional(),
  limit: z.number().int().min(1).max(1000).default(50),
});

export const otlpExportInput = z.strictObject({
  tenantId: ownerId.optional(),
  encoding: z.enum(['protobuf', 'json']),
  /** The body as received, gzip undone. */
  body: z.instanceof(Uint8Array),
});

/** What an export became. */
export interface OtlpExportResult {
  /** Spans or log records in the request. */
  received: number;
  /** Records refused (counted in the partial success). */
  rejected: number;
  /** The partial success's message ('' when every record was taken). */
  errorMessage: string;
  /** Requests (server spans) added to endpoint performance, and the groups (rows) they went to. */
  requests: number;
  groups: number;
  /** Error occurrences recorded, and the signatures (one error-learning hand-over each) they had. */
  errors: number;
  signatures: number;
  /** The Export*ServiceResponse in the request's encoding (bytes, or JSON text). */
  response: Uint8Array | string;
}

/** Error occurrences of one service and signature, hand-overs run at once. */
const REPORTS_AT_ONCE = 8;
/** Trace ids an error event's context keeps of its group. */
const TRACE_IDS_KEPT = 10;

/** Errors grouped by service and signature, in order of first occurrence. */
function groupErrors(errors: readonly CapturedError[]) {
  const groups = new Map<string, { first: CapturedError; signature: string; count: number; traceIds: string[] }>();
  for (const e of errors) {
    const signature = errorSignature(e.errorType, e.message, e.stack);
    const key = `${e.service}\u0000${signature}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { first: e, signature, count: 0, traceIds: [] }));
    group.count++;
    if (e.traceId && group.traceIds.length < TRACE_IDS_KEPT && !group.traceIds.includes(e.traceId))
      group.traceIds.push(e.traceId);
  }
  return [...groups.values()];
}

/** Runs `work` over `items`, at most `limit` at once. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/** The capture operations: `otlp.traces`, `otlp.logs` and `endpoints.list`. */
export function captureOperations(
  store: () => Promise<MemoryStore>,
  client: () => Promise<BrainOpsClient>,
  config: BrainOpsConfig,
) {
  const { maxRecordsPerRequest, maxConcurrent } = config.otlp;
  const { taskQueue } = config.temporal;
  const { autoRemediationConfidence: autoConfidence, escalationTimeoutMs } = config.errorLearning;
  let inFlight = 0;

  /** Records what an export captured for `tenantId`. */
  async function keep(tenantId: string, signal: OtlpSignal, captured: CapturedExport) {
    const groups = aggregateRequests(captured.requests);
    const errorGroups = groupErrors(captured.errors);
    const memory = await store();
    const temporal = errorGroups.length ? (await client()).temporal : undefined;
    await Promise.all([
      memory.endpointPerformance.add(tenantId, groups),
      eachLimited(errorGroups, REPORTS_AT_ONCE, async (g) => {
        await reportError(
          memory,
          temporal!,
          { taskQueue, autoConfidence, escalationTimeoutMs },
          {
            errorType: g.first.errorType,
            message: g.first.message,
            stack: g.first.stack,
            source: g.first.service,
            context: {
              ...g.first.context,
              via: `otlp ${signal}`,
              firstAt: new Date(g.first.atMs).toISOString(),
              ...(g.count > 1 ? { occurrencesInExport: g.count } : {}),
              ...(g.traceIds.length ? { traceIds: g.traceIds } : {}),
            },
            tenantId,
          },
          { occurrences: g.count },
        );
      }),
    ]);
    return { groups: groups.length, signatures: errorGroups.length };
  }

  const exportOf = (signal: OtlpSignal) =>
    operation({
      name: `otlp.${signal}`,
      summary:
        signal === 'traces'
          ? 'OpenTelemetry spans (OTLP/HTTP): endpoint performance and error events'
          : 'OpenTelemetry log records (OTLP/HTTP): error events of severity ERROR and above',
      subject: 'OTLP request',
      what: `exporting OpenTelemetry ${signal}`,
      input: otlpExportInput,
      access: 'writer',
      run: async (_caller, input): Promise<OtlpExportResult> => {
        if (input.tenantId === undefined)
          throw forbidden('OpenTelemetry data belongs to a tenant: send a tenant’s API key (role writer)');
        if (maxConcurrent > 0 && inFlight >= maxConcurrent)
          throw new OverloadedError('unavailable', `this server is working on ${inFlight} exports; try again shortly`);
        inFlight++;
        try {
          const encoding: OtlpEncoding = input.encoding;
          const now = Date.now();
          const captured =
            signal === 'traces'
              ? captureTraces(decodeTraces(encoding, input.body), now, maxRecordsPerRequest)
              : captureLogs(decodeLogs(encoding, input.body), now, maxRecordsPerRequest);
          const kept = await keep(input.tenantId, signal, captured);
          const errorMessage = captured.reasons.join('; ');
          return {
            received: captured.received,
            rejected: captured.rejected,
            errorMessage,
            requests: captured.requests.length,
            groups: kept.groups,
            errors: captured.errors.length,
            signatures: kept.signatures,
            response: encodeResponse(signal, encoding, captured.rejected, errorMessage),
          };
        } finally {
          inFlight--;
        }
      },
    });

  return {
    traces: exportOf('traces'),
    logs: exportOf('logs'),
    /**
     * Routes of a window with requests, errors, error rate and p50/p95/p99 latency (ms), most
     * requested first: a tenant's own; the operator's call without a tenant sees every tenant's.
     */
    endpoints: operation({
      name: 'endpoints.list',
      summary: 'Endpoint performance: routes with requests, error rate and p50/p95/p99 latency',
      subject: 'endpoint performance query',
      what: 'reading endpoint performance',
      input: endpointsInput,
      access: 'reader',
      run: async (_caller, input) => ({ routes: await (await store()).endpointPerformance.stats(input) }),
    }),
  };
}
