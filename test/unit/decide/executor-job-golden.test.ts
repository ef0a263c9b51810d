import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { buildExecutorJob } from "../../../shared/decide/session/executor-job.ts";
import {
  Addon,
  BackupConfiguration,
  BackupSession,
  type Job,
  KubeStashFunction,
  parseWith,
} from "../../../shared/model/index.ts";
import { EXECUTOR_SERVICE_ACCOUNT } from "../../../shared/model/names.ts";

/**
 * Golden contract: for configurations like those of a live KubeStash cluster, the executor Job we build equals
 * the one KubeStash's operator built, field by field, except the differences listed in
 * docs/snapshot-completion.md#executor-job-differences (and named in `normalize` below). The fixtures are
 * written from real objects (test/fixtures/kubestash/operator/, each file says from where; pvc.yaml's Job is
 * inferred from the real cluster-resources Job and the pvc catalog, as its comments say).
 */

const dir = path.resolve(import.meta.dirname, "../../fixtures/kubestash/operator");

function fixture(file: string) {
  const docs = parseAllDocuments(readFileSync(path.join(dir, file), "utf8")).map(
    (d) => d.toJS() as { kind: string },
  );
  const one = (kind: string) => {
    const found = docs.find((d) => d.kind === kind);
    if (!found) throw new Error(`${file} has no ${kind}`);
    return found;
  };
  return {
    configuration: parseWith(BackupConfiguration, one("BackupConfiguration"), file),
    session: parseWith(BackupSession, one("BackupSession"), file),
    addon: parseWith(Addon, one("Addon"), file),
    fn: parseWith(KubeStashFunction, one("Function"), file),
    job: one("Job") as Job,
  };
}

/**
 * The differences we keep on purpose, removed from both sides before comparing:
 * - the name: ours `upload-<session>` (KubeStash's `upload` prefix, deterministic, within 63 characters), the
 *   operator's `<namespace>-<session>` (its rule for configurations with a target is not known);
 * - ownerReferences: ours name the BackupSession as controller, so a deleted session takes its Jobs with it; the
 *   operator deletes them itself;
 * - `resources: {}` on the operator's container: an empty Go struct serialised, the same as none;
 * - a configuration that names no ServiceAccount: ours runs as `kubestash-backup-executor`, which the functions
 *   ensure and bind (docs/executor-rbac.md); which one the operator picks then is not known (pvc.yaml).
 */
function normalize(job: Job): unknown {
  const copy = structuredClone(job) as Job;
  const { name: _name, ownerReferences: _owners, ...metadata } = copy.metadata;
  (copy as { metadata: unknown }).metadata = metadata;
  const pod = copy.spec.template.spec as { containers?: Array<Record<string, unknown>> };
  for (const c of pod.containers ?? []) if (JSON.stringify(c.resources) === "{}") delete c.resources;
  return copy;
}

describe("the executor Job equals the KubeStash operator's", () => {
  it.each(["cluster-resources.yaml", "pvc.yaml"])("%s", (file) => {
    const { configuration, session, addon, fn, job } = fixture(file);
    const sessionConfig = configuration.spec.sessions?.find((s) => s.name === session.spec.session);
    if (!sessionConfig) throw new Error(`${file}: no session ${session.spec.session}`);
    const built = buildExecutorJob({
      session,
      sessionConfig,
      target: configuration.spec.target,
      addon,
      functions: [fn],
    });
    if (!built.ok) throw new Error(built.message);
    const ours = built.value.spec.template.spec as Record<string, unknown>;
    if ((job.spec.template.spec as Record<string, unknown>).serviceAccountName === undefined) {
      expect(ours.serviceAccountName).toBe(EXECUTOR_SERVICE_ACCOUNT);
      delete ours.serviceAccountName;
    }
    expect(normalize(built.value)).toEqual(normalize(job));
  });

  it("the comparison can fail: a different arg is a difference", () => {
    const { configuration, session, addon, fn, job } = fixture("cluster-resources.yaml");
    const changed = { ...fn, spec: { ...fn.spec, args: [...(fn.spec.args ?? []), "--extra"] } };
    const sessionConfig = configuration.spec.sessions?.[0];
    if (!sessionConfig) throw new Error("no session");
    const built = buildExecutorJob({ session, sessionConfig, addon, functions: [changed] });
    if (!built.ok) throw new Error(built.message);
    expect(normalize(built.value)).not.toEqual(normalize(job));
  });
});
