/**
 * `npm test`: prepares what every test file shares, then runs them with Node's test runner.
 * - the Temporal CLI (resolved, and built once if needed), passed on as `TEMPORAL_CLI_PATH`;
 * - PostgreSQL: `DATABASE_URL` when set (its server must allow `create database`), otherwise an
 *   embedded server in a temporary directory;
 * - a template database migrated once, which each test file clones (fast, isolated).
 * Arguments pick test files by part of their name (`npm test -- replay`); an argument that is the
 * path of a .ts file runs that file instead (`npm run record-histories`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../temporal.config';
import { migrate } from '../src/memory';
import { createLogger } from '../src/stack/logger';
import { withDatabase } from '../src/domain/database-url';
import { startEmbeddedPostgres, ensureDatabase, type EmbeddedPostgresHandle } from '../src/stack/embedded-postgres';
import { quoteIdent } from '../src/domain/sql-identifier';
import { resolveTemporalCli } from '../src/stack/temporal-cli';

const TEMPLATE = 'brainops_test_template';

async function main(): Promise<number> {
  const logger = createLogger('info', 'test');
  const config = loadConfig();
  const cli = await resolveTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, logger });
  if (cli.type !== 'existing-path') logger.warn('no Temporal CLI on disk; tests will use the SDK download');
  logger.info(`Temporal CLI: ${cli.type === 'existing-path' ? cli.path : 'SDK download'} (${cli.origin})`);

  let embedded: EmbeddedPostgresHandle | undefined;
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
    logger.info('PostgreSQL: DATABASE_URL');
  } else {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-test-'));
    fs.chmodSync(dataDir, 0o755);
    embedded = await startEmbeddedPostgres({
      dataDir,
      port: 54350 + (process.pid % 500),
      database: 'postgres',
      logger,
      ephemeral: true,
    });
    adminUrl = embedded.adminUrl;
    logger.info(`PostgreSQL: embedded, ${adminUrl}`);
  }
  try {
    await dropTemplate(adminUrl);
    await ensureDatabase(adminUrl, TEMPLATE);
    await migrate({ databaseUrl: withDatabase(adminUrl, TEMPLATE), logger });

    const files = fs
      .readdirSync(__dirname)
      .filter((f) => f.endsWith('.test.ts'))
      .sort()
      .map((f) => path.join(__dirname, f));
    // An argument naming a .ts file runs that file (`npm run record-histories`); others pick test files by name.
    const args = process.argv.slice(2);
    const named = args.filter((a) => a.endsWith('.ts') && fs.existsSync(a));
    const only = args.filter((a) => !named.includes(a));
    const selected = [
      ...named.map((f) => path.resolve(f)),
      ...(only.length
        ? files.filter((f) => only.some((o) => path.basename(f).includes(o)))
        : named.length
          ? []
          : files),
    ];
    return await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--test',
          '--test-concurrency=1',
          // No test may hang the run: one that takes over 5 minutes fails, naming itself.
          '--test-timeout=300000',
          '--test-reporter=spec',
          ...selected,
        ],
        {
          stdio: 'inherit',
          env: {
            ...process.env,
            TEMPORAL_CLI_PATH: cli.type === 'existing-path' ? cli.path : '',
            BRAINOPS_TEST_ADMIN_URL: adminUrl,
            BRAINOPS_TEST_TEMPLATE: TEMPLATE,
          },
        },
      );
      child.on('exit', (code) => resolve(code ?? 1));
    });
  } finally {
    if (embedded) await embedded.stop();
    else await dropTemplate(adminUrl).catch((e: Error) => logger.warn(`could not drop ${TEMPLATE}: ${e.message}`));
  }
}

async function dropTemplate(adminUrl: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${quoteIdent(TEMPLATE)} with (force)`);
  } finally {
    await admin.end();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`test setup failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
