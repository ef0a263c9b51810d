import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterRegistryError, UnknownClusterError } from "../../../shared/clusters/errors.ts";
import {
  type ClusterRegistry,
  loadRegistry,
  loadRegistryFile,
  parseLabelSelector,
  selectClusters,
} from "../../../shared/clusters/registry.ts";
import { InvalidInputError } from "../../../shared/model/errors.ts";

const baseDir = "/etc/kss";
const kubeconfig = (file: string) => ({ source: "kubeconfig", path: file });

const REGISTRY_YAML = `
clusters:
  - id: dev
    labels: { env: dev, team: data }
    credentials: { source: kubeconfig, path: kubeconfigs/dev.yaml, context: dev-admin }
  - id: broken
    labels: { env: prod }
    credentials: { source: secretsManager, secretId: kss/broken-token, format: token }
  - id: prod
    labels: { env: prod, team: data }
    credentials: { source: kubeconfig, path: /abs/prod.yaml }
  - id: paused
    enabled: false
    labels: { env: prod }
    credentials: { source: kubeconfig, path: paused.yaml }
`;

function ids(clusters: { id: string }[]): string[] {
  return clusters.map((c) => c.id);
}

describe("loadRegistry", () => {
  const registry = loadRegistry(REGISTRY_YAML, { baseDir });

  it("keeps every entry, in file order", () => {
    expect(ids(registry.clusters)).toEqual(["dev", "broken", "prod", "paused"]);
  });

  it("disables only the bad entry and names the field by its path in the file", () => {
    // Assess
    expect(registry.clusters.map((c) => c.enabled)).toEqual([true, false, true, false]);
    const broken = registry.clusters[1];
    expect(broken?.entry).toBeUndefined();
    expect(broken?.error).toBe(
      'cluster "broken" is invalid: clusters[1].server: required when credentials.format is "token"; ' +
        'clusters[1].caData: required when credentials.format is "token"',
    );
  });

  it("keeps a cluster disabled on purpose without an error", () => {
    const paused = registry.clusters[3];
    expect(paused).toMatchObject({ id: "paused", enabled: false });
    expect(paused?.error).toBeUndefined();
    expect(paused?.entry?.id).toBe("paused");
  });

  it.each<[string, string]>([
    ["dev", "/etc/kss/kubeconfigs/dev.yaml"],
    ["prod", "/abs/prod.yaml"],
  ])("resolves %s's kubeconfig path against the registry's folder", (id, expected) => {
    const entry = registry.clusters.find((c) => c.id === id)?.entry;
    expect(entry?.credentials).toMatchObject({ source: "kubeconfig", path: expected });
  });

  it("disables later entries with a duplicate id, keeping the first", () => {
    // Prepare
    const input = {
      clusters: [
        { id: "a", credentials: kubeconfig("a.yaml") },
        { id: "b", credentials: kubeconfig("b.yaml") },
        { id: "a", credentials: kubeconfig("a2.yaml") },
        { id: "a", credentials: kubeconfig("a3.yaml") },
      ],
    };
    // Act
    const { clusters } = loadRegistry(input, { baseDir });
    // Assess
    expect(clusters.map((c) => [c.id, c.enabled])).toEqual([
      ["a", true],
      ["b", true],
      ["a", false],
      ["a", false],
    ]);
    expect(clusters[2]?.error).toBe(
      'cluster "a" is invalid: clusters[2].id: duplicate id: clusters[0] has it',
    );
    expect(clusters[3]?.error).toContain("clusters[3].id: duplicate id: clusters[0] has it");
    expect(clusters[2]?.entry?.credentials).toMatchObject({ path: "/etc/kss/a2.yaml" });
  });

  it("names an entry without an id by its index", () => {
    const { clusters } = loadRegistry({ clusters: [{ credentials: kubeconfig("x.yaml") }] }, { baseDir });
    expect(clusters[0]).toMatchObject({ id: "clusters[0]", enabled: false });
    expect(clusters[0]?.error).toContain("clusters[0].id:");
  });

  it("reads JSON text as well as YAML", () => {
    const json = JSON.stringify({ clusters: [{ id: "j", credentials: kubeconfig("j.yaml") }] });
    expect(ids(loadRegistry(json, { baseDir }).clusters)).toEqual(["j"]);
  });

  it("accepts an empty list", () => {
    expect(loadRegistry("clusters: []", { baseDir }).clusters).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ["an empty file", "", "(root): Invalid input: expected object"],
    ["a list at the top", "- id: a", "(root): Invalid input: expected object"],
    ["no clusters key", "servers: []", "clusters: must be a list of cluster entries"],
    ["clusters that is not a list", "clusters: { id: a }", "clusters: must be a list of cluster entries"],
    ["an unknown top-level key", { clusters: [], extra: 1 }, 'Unrecognized key: "extra"'],
    ["text that is not YAML", "clusters: [\n  - id: a", "not YAML or JSON"],
  ])("throws InvalidInputError for %s", (_, input, message) => {
    const load = () => loadRegistry(input, { baseDir, subject: "cluster registry test.yaml" });
    expect(load).toThrow(InvalidInputError);
    expect(load).toThrow(message);
    expect(load).toThrow("cluster registry test.yaml is invalid");
  });
});

describe("loadRegistryFile", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "kss-registry-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("resolves kubeconfig paths against the file's folder", async () => {
    // Prepare
    const file = path.join(dir, "clusters.yaml");
    await writeFile(
      file,
      "clusters:\n  - id: local\n    credentials: { source: kubeconfig, path: ./kc/local.yaml }\n",
    );
    // Act
    const registry = await loadRegistryFile(file);
    // Assess
    expect(registry.clusters[0]?.entry?.credentials).toMatchObject({
      path: path.join(dir, "kc", "local.yaml"),
    });
  });

  it("throws ClusterRegistryError naming a missing file", async () => {
    const missing = path.join(dir, "missing.yaml");
    await expect(loadRegistryFile(missing)).rejects.toThrow(ClusterRegistryError);
    await expect(loadRegistryFile(missing)).rejects.toThrow(`cannot read the cluster registry ${missing}`);
  });
});

describe("the example registry for the local run (local/clusters.example.yaml)", () => {
  it("has a valid entry for each source, only the local clusters enabled", async () => {
    // Act
    const file = fileURLToPath(new URL("../../../local/clusters.example.yaml", import.meta.url));
    const { clusters } = await loadRegistryFile(file);
    // Assess
    expect(clusters.map((c) => c.error)).toEqual(clusters.map(() => undefined));
    expect(clusters.map((c) => [c.id, c.enabled, c.entry?.credentials.source])).toEqual([
      ["cluster-1", true, "kubeconfig"],
      ["cluster-2", true, "kubeconfig"],
      ["staging", false, "secretsManager"],
      ["edge", false, "secretsManager"],
      ["prod-eu", false, "eks"],
    ]);
  });
});

describe("selectClusters", () => {
  const registry: ClusterRegistry = loadRegistry(REGISTRY_YAML, { baseDir });

  it.each<[string, { ids?: string[]; selector?: string }, string[]]>([
    ["everything when nothing is asked", {}, ["dev", "broken", "prod", "paused"]],
    ["by ids, in registry order", { ids: ["prod", "dev"] }, ["dev", "prod"]],
    ["a disabled cluster asked by id", { ids: ["broken"] }, ["broken"]],
    ["by one label", { selector: "env=prod" }, ["prod", "paused"]],
    ["by every label of a list", { selector: "env=prod,team=data" }, ["prod"]],
    ["by labels, spaces ignored", { selector: " team = data " }, ["dev", "prod"]],
    ["an empty value only where the label is empty", { selector: "env=" }, []],
    ["nothing when no label matches", { selector: "env=qa" }, []],
    ["everything for an empty selector", { selector: "" }, ["dev", "broken", "prod", "paused"]],
    ["ids and labels together", { ids: ["dev", "paused"], selector: "env=prod" }, ["paused"]],
  ])("selects %s", (_, selection, expected) => {
    expect(ids(selectClusters(registry, selection))).toEqual(expected);
  });

  it("throws UnknownClusterError naming the ids the registry lacks", () => {
    const select = () => selectClusters(registry, { ids: ["dev", "qa", "staging"] });
    expect(select).toThrow(UnknownClusterError);
    expect(select).toThrow(
      'unknown cluster ids "qa", "staging" (the registry lists: dev, broken, prod, paused)',
    );
  });

  it.each(["env", "env!=prod", "=prod", "env==prod"])("rejects the selector %j", (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(InvalidInputError);
    expect(() => parseLabelSelector(selector)).toThrow("is not key=value");
  });
});
