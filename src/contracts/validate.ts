import type { z } from 'zod';
import { ValidationError } from './errors';

/**
 * Parses `input` with `schema`.
 * @throws ValidationError naming every bad field of `subject` (for example "memory entry").
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    subject,
    result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
  );
}

/** What {@link parseInput} returns for `S`: the input an edge has checked (defaults applied). */
export type Parsed<S extends z.ZodType> = z.output<S>;
