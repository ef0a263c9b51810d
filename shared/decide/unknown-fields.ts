import { z } from "zod";
import { ObjectMeta } from "../model/common.ts";
import { type FieldIssue, formatPath } from "../model/errors.ts";

/**
 * Fields of an input that its zod schema does not declare: what `kubectl apply --validate=strict` rejects as
 * `unknown field`. Our resource schemas are `z.looseObject`s (they keep what they do not model), so zod
 * itself never reports these; this walks the schema's structure next to the input instead.
 *
 * Open by design, so never reported: ObjectMeta's contents (labels, annotations, managedFields, …) and
 * `z.record` schemas of non-object values (pod templates, params, volumes: `OpenObject`).
 * Where the input does not have the schema's type (a string for an object), nothing is reported: the
 * schema's own parse says what is wrong there.
 */

/** Schemas whose contents are never checked for unknown fields. */
const OPEN_SCHEMAS: ReadonlySet<z.core.$ZodType> = new Set<z.core.$ZodType>([ObjectMeta]);

export function unknownFields(schema: z.core.$ZodType, input: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  walk(schema, input, [], issues);
  return issues;
}

/** The schema under optional/nullable/default/prefault/readonly/catch wrappers and the input side of pipes. */
function unwrapped(schema: z.core.$ZodType): z.core.$ZodType {
  let current: z.core.$ZodType = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodReadonly ||
      current instanceof z.ZodCatch
    ) {
      current = current.unwrap();
    } else if (current instanceof z.ZodPipe) {
      current = current.in;
    } else {
      return current;
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function walk(schema: z.core.$ZodType, input: unknown, path: PropertyKey[], issues: FieldIssue[]): void {
  const inner = unwrapped(schema);
  if (OPEN_SCHEMAS.has(inner)) return;
  if (inner instanceof z.ZodObject) {
    if (!isPlainObject(input)) return;
    const shape: Record<string, z.core.$ZodType> = inner.shape;
    for (const [key, value] of Object.entries(input)) {
      const fieldSchema = shape[key];
      if (fieldSchema === undefined) {
        issues.push({ path: formatPath([...path, key]), message: `unknown field "${key}"` });
      } else {
        walk(fieldSchema, value, [...path, key], issues);
      }
    }
  } else if (inner instanceof z.ZodArray) {
    if (!Array.isArray(input)) return;
    const element: z.core.$ZodType = inner.element;
    input.forEach((item, index) => {
      walk(element, item, [...path, index], issues);
    });
  } else if (inner instanceof z.ZodRecord) {
    if (!isPlainObject(input)) return;
    const valueSchema: z.core.$ZodType = inner.valueType;
    if (!(unwrapped(valueSchema) instanceof z.ZodObject)) return;
    for (const [key, value] of Object.entries(input)) {
      walk(valueSchema, value, [...path, key], issues);
    }
  }
}
