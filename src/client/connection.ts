/**
 * Connections to the Temporal frontend from the configuration: the local dev server, a
 * self-hosted cluster (mTLS) or Temporal Cloud (API key).
 */
import fs from 'node:fs';
import { Connection, isGrpcServiceError, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { temporalAddress, type BrainOpsConfig } from '../../temporal.config';
import { BrainOpsError, TEMPORAL_UNREACHABLE } from '../contracts/errors';

function tlsOptions(config: BrainOpsConfig): ConnectionOptions['tls'] {
  const t = config.temporal;
  if (!t.tls) return undefined;
  if (t.tlsCertPath && t.tlsKeyPath) {
    return { clientCertPair: { crt: fs.readFileSync(t.tlsCertPath), key: fs.readFileSync(t.tlsKeyPath) } };
  }
  return true;
}

/** Connection options shared by client and worker connections. */
export function connectionOptions(config: BrainOpsConfig) {
  return { address: temporalAddress(config), tls: tlsOptions(config), apiKey: config.temporal.apiKey };
}

/**
 * A client connection; fails with a message naming the address when the server cannot be reached.
 * @throws BrainOpsError {@link TEMPORAL_UNREACHABLE} (retryable) "cannot reach Temporal at <address>: …"
 */
export async function connectClient(config: BrainOpsConfig): Promise<Connection> {
  const options = connectionOptions(config);
  try {
    return await Connection.connect({ ...options, connectTimeout: '5s' });
  } catch (error) {
    throw new BrainOpsError(
      TEMPORAL_UNREACHABLE,
      `cannot reach Temporal at ${options.address}: ${(error as Error).message}. Is \`npm start\` running, or TEMPORAL_ADDRESS set?`,
      true,
    );
  }
}

/** A worker connection (native). */
export async function connectWorker(config: BrainOpsConfig): Promise<NativeConnection> {
  const options = connectionOptions(config);
  return NativeConnection.connect({ address: options.address, tls: options.tls, apiKey: options.apiKey });
}

/** gRPC status codes DEADLINE_EXCEEDED and UNAVAILABLE (gRPC's "Status codes and their use"). */
const GRPC_NOT_ANSWERING = new Set([4, 14]);

/**
 * True when Temporal did not answer in time (gRPC DEADLINE_EXCEEDED) or could not be reached
 * (UNAVAILABLE), on `error` or any error it wraps: the same call may succeed when tried again.
 * The client wraps the gRPC error (a `ServiceError` "Failed to describe schedule" whose cause
 * carries the code), so the message of the outer error alone does not tell.
 */
export function isTemporalNotAnswering(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current: unknown = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    if (isGrpcServiceError(current) && GRPC_NOT_ANSWERING.has(current.code)) return true;
  }
  return false;
}
