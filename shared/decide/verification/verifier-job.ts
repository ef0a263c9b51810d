import type { KubeStashFunction } from "../../model/addon.ts";
import type { BackupVerificationSession, BackupVerifier } from "../../model/backup-verifier.ts";
import type { Job } from "../../model/job.ts";
import { Label, MANAGED_BY } from "../../model/labels.ts";
import { nameKeepingTimeSuffix } from "../../model/names.ts";
import type { RestoreSession } from "../../model/restore-session.ts";
import { VERIFIER_SERVICE_ACCOUNT, VerificationJobComponent } from "../../model/verification.ts";
import { substituteDeep, type Variables } from "../session/function-variables.ts";
import {
  asRecord,
  asStringMap,
  type BuildResult,
  mergeBy,
  type PodSpec,
} from "../session/session-job-meta.ts";
import { verificationJob } from "./restore-job.ts";
import { verificationOwnerReferences } from "./restore-session-build.ts";

/**
 * The verifier Job of a Query or Script verification (docs/verification.md#what-a-verification-creates),
 * run after its restore succeeded: one container from the Function `spec.function` names, its variables
 * substituted (`namespace`, `backupVerificationSession`, `snapshot`, `targetKind`, `targetName`,
 * `targetNamespace`, and ours: `query`, `scriptLocation`, `scriptArgs`), the verifier's `volumes` and
 * `volumeMounts` (variables substituted there too, so a volume may claim `${targetName}`), and its
 * `runtimeSettings` (`pod`, `container`). It runs in the verification session's namespace, which it reports to.
 */

export interface VerifierJobInput {
  verification: BackupVerificationSession;
  verifier: BackupVerifier;
  /** The verification's RestoreSession: what was restored, and where. */
  restoreSession: RestoreSession | undefined;
  functions: ReadonlyArray<KubeStashFunction>;
}

/** `verify-<backupverificationsession>`, within 63 characters with the time suffix kept last. */
export function verifierJobName(verification: BackupVerificationSession): string {
  return nameKeepingTimeSuffix("verify", verification.metadata.name);
}

/** Labels of the verifier Job: the component, KubeStash's managed-by, the invoking session. */
export function verifierJobLabels(verification: BackupVerificationSession): Record<string, string> {
  return {
    [Label.Component]: VerificationJobComponent.Verifier,
    [Label.ManagedBy]: MANAGED_BY,
    [Label.InvokerName]: verification.metadata.name,
    [Label.InvokerNamespace]: verification.metadata.namespace ?? "default",
  };
}

/** `ofst.PodRuntimeSettings` fields that are Pod spec fields of the same name. */
const POD_RUNTIME_SETTINGS = [
  "serviceAccountName",
  "automountServiceAccountToken",
  "nodeSelector",
  "nodeName",
  "tolerations",
  "affinity",
  "topologySpreadConstraints",
  "securityContext",
  "imagePullSecrets",
  "schedulerName",
  "priorityClassName",
  "priority",
  "readinessGates",
  "runtimeClassName",
  "enableServiceLinks",
] as const;

/** `ofst.ContainerRuntimeSettings` fields that are container fields of the same name (not nice/ionice). */
const CONTAINER_RUNTIME_SETTINGS = [
  "resources",
  "livenessProbe",
  "readinessProbe",
  "lifecycle",
  "securityContext",
  "env",
  "envFrom",
] as const;

function pick(from: Record<string, unknown> | undefined, keys: ReadonlyArray<string>): PodSpec {
  const out: PodSpec = {};
  for (const key of keys) if (from?.[key] !== undefined) out[key] = from[key];
  return out;
}

function runtimeSettings(verifier: BackupVerifier) {
  const settings = asRecord(verifier.spec.runtimeSettings);
  return { pod: asRecord(settings?.pod), container: asRecord(settings?.container) };
}

/** The ServiceAccount the verifier's `runtimeSettings.pod.serviceAccountName` names, if any. */
export function configuredVerifierServiceAccount(verifier: BackupVerifier | undefined): string | undefined {
  const name = verifier ? runtimeSettings(verifier).pod?.serviceAccountName : undefined;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/** The variables of the verifier's Function (docs/verification.md#what-a-verification-creates). */
export function verifierVariables(input: VerifierJobInput): Variables {
  const { verification, verifier, restoreSession } = input;
  const namespace = verification.metadata.namespace ?? "default";
  const target = restoreSession?.spec.target ?? verifier.spec.restoreOption?.target;
  const snapshot = verification.spec.snapshot ?? restoreSession?.spec.dataSource?.snapshot;
  const { query, script } = verifier.spec;
  return {
    namespace,
    backupVerificationSession: verification.metadata.name,
    ...(snapshot ? { snapshot } : {}),
    ...(target?.kind ? { targetKind: target.kind } : {}),
    ...(target ? { targetName: target.name } : {}),
    ...(target
      ? { targetNamespace: target.namespace ?? restoreSession?.metadata.namespace ?? namespace }
      : {}),
    ...(query !== undefined ? { query: JSON.stringify(query) } : {}),
    ...(script?.location !== undefined ? { scriptLocation: script.location } : {}),
    ...(script?.args !== undefined ? { scriptArgs: script.args.join(" ") } : {}),
  };
}

export function buildVerifierJob(input: VerifierJobInput): BuildResult<Job> {
  const { verification, verifier } = input;
  const verifierName = `BackupVerifier ${verifier.metadata.namespace ?? "default"}/${verifier.metadata.name}`;
  const type = verifier.spec.type ?? "RestoreOnly";
  if (type === "RestoreOnly") {
    return { ok: false, message: `${verifierName} is of type RestoreOnly: it has no verifier Job` };
  }
  const fnName = verifier.spec.function;
  if (!fnName) return { ok: false, message: `${verifierName} of type ${type} names no spec.function` };
  const fn = input.functions.find((f) => f.metadata.name === fnName);
  if (!fn) return { ok: false, message: `Function ${fnName} of ${verifierName} not found` };
  if (type === "Query" && verifier.spec.query === undefined) {
    return { ok: false, message: `${verifierName} of type Query has no spec.query` };
  }
  if (type === "Script" && !verifier.spec.script?.location) {
    return { ok: false, message: `${verifierName} of type Script has no spec.script.location` };
  }
  const settings = runtimeSettings(verifier);
  const containerSettings = pick(settings.container, CONTAINER_RUNTIME_SETTINGS);
  const container: Record<string, unknown> = {
    name: "verifier",
    image: fn.spec.image,
    imagePullPolicy: "IfNotPresent",
    ...(fn.spec.command ? { command: fn.spec.command } : {}),
    args: fn.spec.args ?? [],
    ...(fn.spec.workingDir ? { workingDir: fn.spec.workingDir } : {}),
    ...containerSettings,
    volumeMounts: mergeBy("mountPath", fn.spec.volumeMounts ?? [], verifier.spec.volumeMounts ?? []),
  };
  const substituted = substituteDeep(
    { container, volumes: mergeBy("name", verifier.spec.volumes ?? []) },
    verifierVariables(input),
  );
  if (substituted.unresolved.length > 0) {
    const names = substituted.unresolved.map((n) => `\${${n}}`).join(", ");
    return {
      ok: false,
      message: `${verifierName} (Function ${fn.metadata.name}) uses ${names}, which cannot be resolved for this verification`,
    };
  }
  const { container: built, volumes } = substituted.value;
  const spec: PodSpec = {
    ...pick(settings.pod, POD_RUNTIME_SETTINGS),
    serviceAccountName: configuredVerifierServiceAccount(verifier) ?? VERIFIER_SERVICE_ACCOUNT,
    containers: [built],
    ...(volumes.length > 0 ? { volumes } : {}),
  };
  const podLabels = asStringMap(settings.pod?.podLabels);
  const podAnnotations = asStringMap(settings.pod?.podAnnotations);
  const ownerReferences = verificationOwnerReferences(verification);
  return {
    ok: true,
    value: verificationJob(
      {
        name: verifierJobName(verification),
        namespace: verification.metadata.namespace ?? "default",
        labels: verifierJobLabels(verification),
        ...(ownerReferences ? { ownerReferences } : {}),
      },
      {
        spec,
        ...(podLabels ? { labels: podLabels } : {}),
        ...(podAnnotations ? { annotations: podAnnotations } : {}),
      },
      0,
    ),
  };
}
