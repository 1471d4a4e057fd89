import { createHash } from 'node:crypto';

/**
 * `error-learning/<16 hex of sha1(signature)>`: one error-learning workflow per signature in
 * flight, so a storm of one error is one workflow that counts occurrences.
 */
export function errorLearningWorkflowId(signature: string): string {
  return `error-learning/${signatureHash(signature)}`;
}

/** 16 hex of sha1(signature): a short, stable name for a signature in ids and memory keys. */
export function signatureHash(signature: string): string {
  return createHash('sha1').update(signature).digest('hex').slice(0, 16);
}
