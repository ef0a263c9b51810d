import type { z } from "zod";
import { InvalidInputError, issuesFromZod } from "./errors.ts";

/**
 * Parses `input` with `schema`, or throws an {@link InvalidInputError} naming every bad field's path.
 * The only way the project turns untyped data (API responses, events, files) into model types.
 */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidInputError(subject, issuesFromZod(result.error), { cause: result.error });
}

/** Like {@link parseWith} but returns the outcome instead of throwing. */
export function tryParseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  subject: string,
): { ok: true; value: z.output<S> } | { ok: false; error: InvalidInputError } {
  try {
    return { ok: true, value: parseWith(schema, input, subject) };
  } catch (error) {
    if (error instanceof InvalidInputError) return { ok: false, error };
    throw error;
  }
}
