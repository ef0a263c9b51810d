import type { ParameterDefinition } from "../../model/addon.ts";

/**
 * The variables of a Function's image, args and env and of an Addon's volume templates (KubeStash's Function docs;
 * docs/operator-contract.md#executor-job): `${name:=default}`, `${name:=}` or `${name}` (envsubst style). A
 * variable resolves from the first layer that has it, else to its own default (`:=` gives "" when empty). A
 * `${name}` with no value and no `:=` is unresolved: the Job is not built, and the condition names it.
 */

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::=([^}]*))?\}/g;

export type Variables = Readonly<Record<string, string>>;

/** Replaces every `${name:=default}` in `text`. */
export function substituteVariables(text: string, values: Variables): string {
  return text.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) =>
    Object.hasOwn(values, name) ? (values[name] ?? "") : (fallback ?? ""),
  );
}

/** Names of `${name}` placeholders in `text` that no layer gives a value and that have no `:=` default. */
export function unresolvedVariables(text: string, values: Variables): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const [, name = "", fallback] = match;
    if (!Object.hasOwn(values, name) && fallback === undefined) out.push(name);
  }
  return out;
}

/**
 * Every string inside `value` (arrays and objects walked, keys left alone) with its variables substituted, and
 * the names that could not be resolved; the result is a copy.
 */
export function substituteDeep<T>(value: T, values: Variables): { value: T; unresolved: string[] } {
  const unresolved = new Set<string>();
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      for (const name of unresolvedVariables(v, values)) unresolved.add(name);
      return substituteVariables(v, values);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, child]) => [k, walk(child)]));
    }
    return v;
  };
  return { value: walk(value) as T, unresolved: [...unresolved].sort() };
}

/** A parameter value as the container sees it: strings as they are, anything else as JSON. */
export function parameterText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? "";
}

/** Parameter defaults declared by an Addon task or a HookTemplate, for those that have one. */
export function parameterDefaults(definitions: ReadonlyArray<ParameterDefinition> | undefined): Variables {
  const out: Record<string, string> = {};
  for (const definition of definitions ?? []) {
    if (definition.default !== undefined) out[definition.name] = definition.default;
  }
  return out;
}

/** Merges layers of variables; the first layer that has a name wins. */
export function layerVariables(
  ...layers: ReadonlyArray<Readonly<Record<string, unknown>> | undefined>
): Variables {
  const out: Record<string, string> = {};
  for (const layer of [...layers].reverse()) {
    for (const [name, value] of Object.entries(layer ?? {})) {
      if (value !== undefined && value !== null) out[name] = parameterText(value);
    }
  }
  return out;
}

/** Required parameters that no layer gives a value (and that have no default). */
export function missingRequiredParameters(
  definitions: ReadonlyArray<ParameterDefinition> | undefined,
  values: Variables,
): string[] {
  return (definitions ?? [])
    .filter((d) => d.required === true && !Object.hasOwn(values, d.name))
    .map((d) => d.name);
}
