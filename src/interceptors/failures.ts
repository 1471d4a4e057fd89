/**
 * Turns BrainOps' own non-retryable errors (bad input, stale writes) into non-retryable
 * `ApplicationFailure`s of the same type, so Temporal does not retry what cannot succeed (Temporal
 * docs, "Failure handling": a non-retryable ApplicationFailure ends the retries); the message names
 * the field.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { BrainOpsError } from '../contracts/errors';

export const failureInterceptor: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (error) {
        if (error instanceof BrainOpsError && !error.retryable) {
          throw ApplicationFailure.create({
            message: error.message,
            type: error.code,
            nonRetryable: true,
            details: error.details ? [error.details] : undefined,
            cause: error,
          });
        }
        throw error;
      }
    },
  },
});
