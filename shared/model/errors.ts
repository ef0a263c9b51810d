import type { z } from "zod";

/** One problem found in an input, located by its path inside the object (e.g. `spec.sessions[0].scheduler.schedule`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Base of every error this project raises on purpose; keeps the original error as `cause`. */
export class KssError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input (a resource, an event, a file) that does not match its schema. Names each bad field by its path. */
export class InvalidInputError extends KssError {
  constructor(
    /** What was being parsed, e.g. `BackupConfiguration demo/sample` or `event "BackupSession Created"`. */
    readonly subject: string,
    readonly issues: FieldIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      `${subject} is invalid: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`,
      options,
    );
  }
}

/** Renders a zod issue path the way kubectl does: `spec.sessions[0].name`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function issuesFromZod(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}
