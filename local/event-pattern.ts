/**
 * EventBridge event-pattern matching, for the local runtime to route events exactly as the rules in
 * serverless.yml do on AWS: every field of the pattern must match (nested objects recurse); a field's value is
 * a list of alternatives — literal values (string, number, boolean, null) or the content filters `prefix`,
 * `suffix`, `anything-but`, `exists`, `equals-ignore-case` and `numeric`. An array in the event matches when
 * any of its elements does.
 */

export type EventPattern = { [field: string]: EventPattern | unknown[] };

export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (event === null || typeof event !== "object") return false;
  const record = event as Record<string, unknown>;
  return Object.entries(pattern).every(([field, rule]) => {
    const has = Object.hasOwn(record, field);
    const value = record[field];
    if (Array.isArray(rule)) return matchesAlternatives(rule, has, value);
    if (rule !== null && typeof rule === "object") return has && matchesPattern(rule as EventPattern, value);
    return false;
  });
}

function matchesAlternatives(alternatives: unknown[], has: boolean, value: unknown): boolean {
  return alternatives.some((alternative) => {
    if (isFilter(alternative) && "exists" in alternative) return alternative.exists === has;
    if (!has) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => matchesOne(alternative, v));
  });
}

function isFilter(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

function matchesOne(alternative: unknown, value: unknown): boolean {
  if (!isFilter(alternative)) return alternative === value;
  if ("prefix" in alternative)
    return typeof value === "string" && value.startsWith(String(alternative.prefix));
  if ("suffix" in alternative) return typeof value === "string" && value.endsWith(String(alternative.suffix));
  if ("equals-ignore-case" in alternative) {
    return (
      typeof value === "string" &&
      value.toLowerCase() === String(alternative["equals-ignore-case"]).toLowerCase()
    );
  }
  if ("anything-but" in alternative) {
    const excluded = alternative["anything-but"];
    if (isFilter(excluded) && "prefix" in excluded) {
      return typeof value === "string" && !value.startsWith(String(excluded.prefix));
    }
    return !(Array.isArray(excluded) ? excluded : [excluded]).includes(value);
  }
  if ("numeric" in alternative && Array.isArray(alternative.numeric)) {
    return typeof value === "number" && matchesNumeric(alternative.numeric, value);
  }
  return false;
}

function matchesNumeric(conditions: unknown[], value: number): boolean {
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const op = conditions[i];
    const bound = Number(conditions[i + 1]);
    const ok =
      (op === "=" && value === bound) ||
      (op === ">" && value > bound) ||
      (op === ">=" && value >= bound) ||
      (op === "<" && value < bound) ||
      (op === "<=" && value <= bound);
    if (!ok) return false;
  }
  return true;
}
