/**
 * What an error becomes at the API's edge (`toApiError`, then the HTTP answer): the real errors of
 * a PostgreSQL server and a Temporal server that are not there are 503 with `Retry-After` (never a
 * 500), bad input a 400 naming the field, a stale write a 409, and an unexpected error stays
 * unexpected (the adapter logs it and answers 500).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import os from 'node:os';
import { Client } from 'pg';
import { toApiError } from '../src/api';
import { connectClient } from '../src/client/connection';
import { loadConfig } from '../temporal.config';
import { errorAnswer } from '../src/http/answers';
import { closedLoopbackPort, rejectionOf } from './helpers';
import { StaleWriteError, ValidationError } from '../src/contracts/errors';

describe('API errors at the edge', () => {
  it('answers a PostgreSQL server that is not there with 503 and Retry-After', async () => {
    const port = await closedLoopbackPort();
    const error = await rejectionOf(() =>
      new Client({ host: '127.0.0.1', port, connectionTimeoutMillis: 2000 }).connect(),
    );
    const answer = errorAnswer(toApiError(error)!);
    assert.equal(answer.status, 503);
    assert.equal(answer.retryAfter, 1);
    assert.match(JSON.stringify(answer.body), /memory database cannot be reached/);
  });

  it('answers a Temporal server that is not there with 503 and Retry-After', async () => {
    const port = await closedLoopbackPort();
    // As the API connects (BrainOpsClient.connect): a typed error naming the address.
    const error = await rejectionOf(() =>
      connectClient(loadConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${port}`, BRAINOPS_DATA_DIR: os.tmpdir() })),
    );
    assert.match(String(error), new RegExp(`cannot reach Temporal at 127\\.0\\.0\\.1:${port}`));
    const answer = errorAnswer(toApiError(error)!);
    assert.equal(answer.status, 503, String(error));
    assert.equal(answer.retryAfter, 1);
    assert.match(JSON.stringify(answer.body), /Temporal server cannot be reached/);
  });

  it('answers bad input with 400 naming the field, a stale write with 409, and leaves a bug a bug', () => {
    const invalid = errorAnswer(
      toApiError(new ValidationError('memory entry', [{ field: 'memoryType', message: 'Invalid option' }]))!,
    );
    assert.equal(invalid.status, 400);
    assert.equal((invalid.body as { field?: string }).field, 'memory_type', 'the wire’s name of the field');
    assert.equal(errorAnswer(toApiError(new StaleWriteError('runbook/db', 2, 3))!).status, 409);
    assert.equal(toApiError(new TypeError('x is undefined')), undefined);
  });
});
