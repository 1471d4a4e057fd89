/**
 * The probes SystemMonitor runs. Each resolves to a result, up or down, and never throws for a
 * down target; each is bounded by the target's `timeoutMs`.
 */
import net from 'node:net';
import { Client } from 'pg';
import type { Connection } from '@temporalio/client';
import type { HealthTarget } from '../contracts/health';
import { commandEnvironment, describeEnd, runArgv } from './process/run-argv';

type Probe<K extends HealthTarget['kind']> = (target: Extract<HealthTarget, { kind: K }>) => Promise<void>;

export interface ProbeDeps {
  databaseUrl: string;
  temporal: Connection;
}

/** `promise`, or a rejection "<what> timed out after <ms> ms" when it takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createProbes(deps: ProbeDeps) {
  const postgres: Probe<'postgres'> = async (target) => {
    const client = new Client({
      connectionString: target.url ?? deps.databaseUrl,
      connectionTimeoutMillis: target.timeoutMs,
    });
    client.on('error', () => undefined);
    try {
      await withTimeout(
        client.connect().then(() => client.query('select 1')),
        target.timeoutMs,
        'postgres check',
      );
    } finally {
      void client.end().catch(() => undefined);
    }
  };

  const temporal: Probe<'temporal'> = async (target) => {
    const response = await withTimeout(deps.temporal.healthService.check({}), target.timeoutMs, 'temporal check');
    // 1 = SERVING in grpc.health.v1.
    if (response.status !== 1) throw new Error(`frontend health status ${String(response.status)}`);
  };

  const http: Probe<'http'> = async (target) => {
    // Credentials in the URL (`http://user:token@…`) are sent as Basic authorization (fetch refuses
    // them in the URL), and the URL a message names has none.
    const url = new URL(target.url);
    const headers: Record<string, string> = {};
    if (url.username || url.password) {
      const basic = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(target.timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    if (response.status !== target.expectStatus) {
      throw new Error(`HTTP ${response.status} from ${url.href}, expected ${target.expectStatus}`);
    }
  };

  const tcp: Probe<'tcp'> = (target) =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: target.host, port: target.port });
      socket.setTimeout(target.timeoutMs, () => {
        socket.destroy();
        reject(new Error(`tcp connect to ${target.host}:${target.port} timed out after ${target.timeoutMs} ms`));
      });
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', (error) => reject(error));
    });

  const command: Probe<'command'> = async (target) => {
    const result = await runArgv({
      argv: target.argv,
      cwd: target.cwd ?? process.cwd(),
      env: commandEnvironment(target.env),
      timeoutMs: target.timeoutMs,
      tailBytes: 2048,
    });
    if (result.exitCode !== 0 || result.timedOut)
      throw new Error(describeEnd(target.argv[0]!, result, target.timeoutMs));
  };

  return { postgres, temporal, http, tcp, command } as { [K in HealthTarget['kind']]: Probe<K> };
}
