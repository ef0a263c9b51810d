import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml, YAMLError } from "yaml";
import { z } from "zod";
import { type FieldIssue, formatPath, InvalidInputError } from "../model/errors.ts";
import { parseWith } from "../model/parse.ts";
import { ClusterRegistryError, describeCause, UnknownClusterError } from "./errors.ts";
import { ClusterEntry } from "./registry-schema.ts";

/** A registry entry that is valid and enabled: the only kind credentials are made for. */
export interface EnabledCluster {
  id: string;
  entry: ClusterEntry;
  enabled: true;
  error?: undefined;
}

/**
 * A listed cluster we must not use: `enabled: false` in the registry (no `error`), an invalid entry
 * (no `entry`), or a duplicate id. Other clusters are unaffected.
 */
export interface DisabledCluster {
  /** The id as written, or `clusters[i]` when the entry has none. */
  id: string;
  entry: ClusterEntry | undefined;
  enabled: false;
  /** What is wrong with the entry, each problem named by its path in the file. */
  error?: string;
}

export type RegisteredCluster = EnabledCluster | DisabledCluster;

export interface ClusterRegistry {
  clusters: RegisteredCluster[];
}

export interface LoadRegistryOptions {
  /** Folder that kubeconfig `path`s are relative to: the registry file's folder. */
  baseDir: string;
  /** What the registry is called in errors, e.g. `cluster registry local/clusters.yaml`. */
  subject?: string;
}

/** Only the top level must be right for the registry to load; entries are checked one by one. */
const RegistryTopLevel = z.strictObject({
  clusters: z.array(z.unknown(), "must be a list of cluster entries"),
});

/**
 * Reads a registry: YAML/JSON text (a string), or an already-parsed object. A malformed top level throws
 * {@link InvalidInputError}; a bad entry only disables its own cluster, with the error kept beside it.
 */
export function loadRegistry(input: unknown, options: LoadRegistryOptions): ClusterRegistry {
  const subject = options.subject ?? "cluster registry";
  const document = typeof input === "string" ? parseRegistryText(input, subject) : input;
  const { clusters: rawEntries } = parseWith(RegistryTopLevel, document, subject);

  const firstIndexById = new Map<string, number>();
  const clusters = rawEntries.map((raw, index): RegisteredCluster => {
    const id = idOf(raw) ?? `clusters[${index}]`;
    const issues: FieldIssue[] = [];
    const parsed = ClusterEntry.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        issues.push({ path: formatPath(["clusters", index, ...issue.path]), message: issue.message });
      }
    }
    const firstIndex = firstIndexById.get(id);
    if (firstIndex === undefined) {
      firstIndexById.set(id, index);
    } else {
      issues.push({ path: `clusters[${index}].id`, message: `duplicate id: clusters[${firstIndex}] has it` });
    }

    const entry = parsed.success ? withResolvedPaths(parsed.data, options.baseDir) : undefined;
    if (entry === undefined || issues.length > 0) {
      return { id, entry, enabled: false, error: new InvalidInputError(`cluster "${id}"`, issues).message };
    }
    return entry.enabled ? { id, entry, enabled: true } : { id, entry, enabled: false };
  });
  return { clusters };
}

/** Reads and loads a registry file; kubeconfig paths in it are relative to the file's folder. */
export async function loadRegistryFile(filePath: string): Promise<ClusterRegistry> {
  let text: string;
  try {
    text = await readFile(filePath, "utf8");
  } catch (cause) {
    throw new ClusterRegistryError(`cannot read the cluster registry ${filePath}: ${describeCause(cause)}`, {
      cause,
    });
  }
  return loadRegistry(text, {
    baseDir: path.dirname(path.resolve(filePath)),
    subject: `cluster registry ${filePath}`,
  });
}

export interface ClusterSelection {
  /** Only these ids; an id the registry does not list throws {@link UnknownClusterError}. */
  ids?: readonly string[];
  /** Only clusters whose labels match every `key=value` of a comma-separated list. */
  selector?: string;
}

/**
 * The clusters a selection names, in registry order. Both criteria must hold when both are given.
 * Disabled clusters are included (so callers can show why they are skipped); a selector never matches
 * an invalid entry, whose labels are unknown.
 */
export function selectClusters(
  registry: ClusterRegistry,
  selection: ClusterSelection = {},
): RegisteredCluster[] {
  const { ids, selector } = selection;
  if (ids !== undefined) {
    const known = registry.clusters.map((c) => c.id);
    const unknown = ids.filter((id) => !known.includes(id));
    if (unknown.length > 0) throw new UnknownClusterError(unknown, known);
  }
  const required = selector === undefined ? undefined : parseLabelSelector(selector);
  return registry.clusters.filter((cluster) => {
    if (ids !== undefined && !ids.includes(cluster.id)) return false;
    if (required === undefined || required.size === 0) return true;
    const labels = cluster.entry?.labels ?? {};
    return cluster.entry !== undefined && [...required].every(([key, value]) => labels[key] === value);
  });
}

/** `"env=prod, team=data"` → {env → prod, team → data}. Only equality is supported. */
export function parseLabelSelector(selector: string): Map<string, string> {
  const required = new Map<string, string>();
  const issues: FieldIssue[] = [];
  for (const term of selector.split(",").map((t) => t.trim())) {
    if (term === "") continue;
    const eq = term.indexOf("=");
    const key = eq > 0 ? term.slice(0, eq).trim() : "";
    if (key === "" || term.includes("!=") || term.startsWith("==", eq)) {
      issues.push({ path: "", message: `"${term}" is not key=value (only equality is supported)` });
      continue;
    }
    required.set(key, term.slice(eq + 1).trim());
  }
  if (issues.length > 0) throw new InvalidInputError(`label selector "${selector}"`, issues);
  return required;
}

function parseRegistryText(text: string, subject: string): unknown {
  try {
    return parseYaml(text);
  } catch (cause) {
    if (!(cause instanceof YAMLError)) throw cause;
    const message = cause.message.split("\n")[0] ?? cause.message;
    throw new InvalidInputError(subject, [{ path: "", message: `not YAML or JSON: ${message}` }], { cause });
  }
}

function idOf(raw: unknown): string | undefined {
  if (typeof raw !== "object" || raw === null || !("id" in raw)) return undefined;
  return typeof raw.id === "string" && raw.id !== "" ? raw.id : undefined;
}

function withResolvedPaths(entry: ClusterEntry, baseDir: string): ClusterEntry {
  if (entry.credentials.source !== "kubeconfig") return entry;
  return {
    ...entry,
    credentials: { ...entry.credentials, path: path.resolve(baseDir, entry.credentials.path) },
  };
}
