import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { LabelSelector } from "../../model/common.ts";
import { type FieldIssue, InvalidInputError } from "../../model/errors.ts";
import { Annotation } from "../../model/labels.ts";
import { toKubeTime } from "../../model/time.ts";
import { matchesLabelSelector } from "./usage-policy.ts";

/**
 * `kss pause` / `kss resume` (docs/pause.md): from the BackupConfigurations a cluster lists, the scope (a
 * namespace, a label selector) and the request (pause or resume, who, why, when), what to do with each
 * configuration: pause it, resume it, nothing (already paused — the first pause's record is kept and reported —
 * or not paused), or skip it (its labels do not match, it is being deleted, the model cannot read it). A pause
 * or resume is one merge patch that sets `spec.paused` and the record (annotations) together, with the
 * resourceVersion read as precondition (docs/pause.md#writes). Pure: no I/O, no clock.
 */

export type PauseAction = "pause" | "resume";

export interface PauseRequest {
  action: PauseAction;
  /** Why: required to pause (docs/pause.md#the-record), optional to resume. */
  reason?: string;
  /** Who asks: `--by`, else `KSS_USER`, else `USER` (docs/pause.md#who). */
  by: string;
  now: Date;
}

/** Which configurations of a cluster a request is about. */
export interface PauseScope {
  /** Only this namespace (`-n`); every namespace when absent. */
  namespace?: string;
  /** `--selector`: a label selector on the configurations (see {@link parseConfigurationSelector}). */
  selector?: string;
}

/** The annotations `kss pause` writes (docs/pause.md#the-record); a field is absent when the annotation is. */
export interface PauseRecord {
  by?: string;
  reason?: string;
  /** RFC 3339. */
  at?: string;
}

/** The annotations `kss resume` writes; kept until the next pause. */
export interface ResumeRecord {
  by?: string;
  reason?: string;
  at?: string;
}

/** One merge patch: `spec.paused` and the record, with the resourceVersion read (null removes an annotation). */
export interface PausePatch {
  metadata: { resourceVersion?: string; annotations: Record<string, string | null> };
  spec: { paused: boolean };
}

/** A patch that only removes a leftover record (the configuration was resumed without kss). */
export interface RecordCleanupPatch {
  metadata: { resourceVersion?: string; annotations: Record<string, null> };
}

export type PauseDecision =
  /** `record`: what the patch records. */
  | { result: "pause"; patch: PausePatch; record: PauseRecord }
  /** `pausedBy`: the record the pause left (reported: who paused what is now resumed). */
  | { result: "resume"; patch: PausePatch; pausedBy?: PauseRecord }
  /** Paused before: by kss (its first pause's record, never overwritten) or by someone else (no record). */
  | { result: "already-paused"; record?: PauseRecord }
  /** Not paused: nothing to resume; a record left by a pause undone with kubectl is removed (`patch`). */
  | { result: "not-paused"; patch?: RecordCleanupPatch }
  | { result: "skipped"; why: string };

export interface ConfigurationPausePlan {
  namespace: string;
  name: string;
  decision: PauseDecision;
}

/** An object the model could not read (ListResult.invalid): skipped with the reason, never written. */
export interface UnreadableConfiguration {
  namespace?: string;
  name: string;
  labels?: Record<string, string>;
  error: string;
}

const PAUSE_KEYS = [Annotation.PausedBy, Annotation.PauseReason, Annotation.PausedAt] as const;
const RESUME_KEYS = [Annotation.ResumedBy, Annotation.ResumeReason, Annotation.ResumedAt] as const;

/** An annotation value may be long, but a reason is a sentence: more is a mistake (a pasted file). */
export const MAX_REASON_LENGTH = 1024;

/** What is wrong with a request, by option: no reason to pause, an empty `by`, a reason too long. */
export function pauseRequestIssues(request: Pick<PauseRequest, "action" | "reason" | "by">): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const reason = request.reason?.trim() ?? "";
  if (request.action === "pause" && reason === "")
    issues.push({ path: "--reason", message: "is required to pause: say why (it is recorded and shown)" });
  if (reason.length > MAX_REASON_LENGTH)
    issues.push({ path: "--reason", message: `is longer than ${MAX_REASON_LENGTH} characters` });
  if (request.by.trim() === "")
    issues.push({ path: "--by", message: "is empty: pass --by NAME or set KSS_USER (or USER)" });
  return issues;
}

/**
 * `--selector` as kubectl writes it, comma-separated terms that must all hold: `k=v` or `k==v` (equal), `k!=v`
 * (not equal, or no such label), `k` (has the label), `!k` (has not). Set terms (`k in (a,b)`) are not
 * supported. Throws {@link InvalidInputError} naming each bad term.
 */
export function parseConfigurationSelector(text: string): LabelSelector {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<LabelSelector["matchExpressions"]> = [];
  const issues: FieldIssue[] = [];
  const KEY = /^([a-z0-9A-Z]([\w.-]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([\w.-]*[a-z0-9A-Z])?$/;
  const VALUE = /^([a-z0-9A-Z]([\w.-]*[a-z0-9A-Z])?)?$/;
  for (const raw of text.split(",")) {
    const term = raw.trim();
    if (term === "") continue;
    const bad = (message: string) => issues.push({ path: term, message });
    const notEqual = /^([^=!]+)!=(.*)$/.exec(term);
    const equal = /^([^=!]+)==?([^=]*)$/.exec(term);
    if (notEqual) {
      const [key, value] = [notEqual[1]?.trim() ?? "", notEqual[2]?.trim() ?? ""];
      if (!KEY.test(key) || !VALUE.test(value)) bad("is not a label key and value");
      else matchExpressions.push({ key, operator: "NotIn", values: [value] });
    } else if (equal) {
      const [key, value] = [equal[1]?.trim() ?? "", equal[2]?.trim() ?? ""];
      if (!KEY.test(key) || !VALUE.test(value)) bad("is not a label key and value");
      else if (key in matchLabels && matchLabels[key] !== value) bad(`asks ${key} to be two values`);
      else matchLabels[key] = value;
    } else if (term.startsWith("!")) {
      const key = term.slice(1).trim();
      if (!KEY.test(key)) bad("is not !key");
      else matchExpressions.push({ key, operator: "DoesNotExist" });
    } else if (KEY.test(term)) matchExpressions.push({ key: term, operator: "Exists" });
    else bad("is not key=value, key!=value, key or !key (set terms are not supported)");
  }
  if (issues.length > 0) throw new InvalidInputError(`--selector "${text}"`, issues);
  return { matchLabels, matchExpressions };
}

/** The pause record on a configuration's annotations; undefined when it carries none of them. */
export function pauseRecordOf(metadata: { annotations?: Record<string, string> }): PauseRecord | undefined {
  const a = metadata.annotations ?? {};
  const record: PauseRecord = {
    ...(a[Annotation.PausedBy] !== undefined ? { by: a[Annotation.PausedBy] } : {}),
    ...(a[Annotation.PauseReason] !== undefined ? { reason: a[Annotation.PauseReason] } : {}),
    ...(a[Annotation.PausedAt] !== undefined ? { at: a[Annotation.PausedAt] } : {}),
  };
  return Object.keys(record).length > 0 ? record : undefined;
}

/** The resume record (`kss resume`'s annotations); undefined when it carries none of them. */
export function resumeRecordOf(metadata: { annotations?: Record<string, string> }): ResumeRecord | undefined {
  const a = metadata.annotations ?? {};
  const record: ResumeRecord = {
    ...(a[Annotation.ResumedBy] !== undefined ? { by: a[Annotation.ResumedBy] } : {}),
    ...(a[Annotation.ResumeReason] !== undefined ? { reason: a[Annotation.ResumeReason] } : {}),
    ...(a[Annotation.ResumedAt] !== undefined ? { at: a[Annotation.ResumedAt] } : {}),
  };
  return Object.keys(record).length > 0 ? record : undefined;
}

const removing = (keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, null]));

/** What to do with one configuration (already in scope) for `request`. */
export function decidePause(config: BackupConfiguration, request: PauseRequest): PauseDecision {
  if (config.metadata.deletionTimestamp !== undefined) return { result: "skipped", why: "being deleted" };
  const paused = config.spec.paused === true;
  const record = pauseRecordOf(config.metadata);
  const resourceVersion = config.metadata.resourceVersion;
  const at = toKubeTime(request.now);
  const reason = request.reason?.trim() ?? "";
  const by = request.by.trim();
  if (request.action === "pause") {
    if (paused) return { result: "already-paused", ...(record ? { record } : {}) };
    const annotations = {
      ...removing(RESUME_KEYS),
      [Annotation.PausedBy]: by,
      [Annotation.PauseReason]: reason,
      [Annotation.PausedAt]: at,
    };
    return {
      result: "pause",
      patch: { metadata: { resourceVersion, annotations }, spec: { paused: true } },
      record: { by, reason, at },
    };
  }
  if (!paused) {
    if (record === undefined) return { result: "not-paused" };
    return {
      result: "not-paused",
      patch: { metadata: { resourceVersion, annotations: removing(PAUSE_KEYS) } },
    };
  }
  const annotations = {
    ...removing(PAUSE_KEYS),
    [Annotation.ResumedBy]: by,
    [Annotation.ResumedAt]: at,
    [Annotation.ResumeReason]: reason === "" ? null : reason,
  };
  return {
    result: "resume",
    patch: { metadata: { resourceVersion, annotations }, spec: { paused: false } },
    ...(record ? { pausedBy: record } : {}),
  };
}

/** Whether an object's namespace is in scope (every namespace when the scope names none). */
function inNamespace(scope: PauseScope, namespace: string | undefined): boolean {
  return scope.namespace === undefined || scope.namespace === namespace;
}

const byPlace = (a: { namespace: string; name: string }, b: { namespace: string; name: string }) =>
  a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);

/**
 * The plan for one cluster: a row per configuration of the scope's namespace (others are not mentioned),
 * ordered by namespace and name; those whose labels do not match the selector are skipped.
 */
export function planPause(
  listed: { configurations: readonly BackupConfiguration[]; unreadable?: readonly UnreadableConfiguration[] },
  scope: PauseScope,
  request: PauseRequest,
): ConfigurationPausePlan[] {
  const issues = pauseRequestIssues(request);
  if (issues.length > 0) throw new InvalidInputError(`kss ${request.action}`, issues);
  const selector = scope.selector === undefined ? undefined : parseConfigurationSelector(scope.selector);
  const matches = (labels: Record<string, string> | undefined) =>
    selector === undefined || matchesLabelSelector(selector, labels ?? {});
  const rows: ConfigurationPausePlan[] = [];
  for (const config of listed.configurations) {
    const namespace = config.metadata.namespace ?? "";
    if (!inNamespace(scope, namespace)) continue;
    const decision: PauseDecision = matches(config.metadata.labels)
      ? decidePause(config, request)
      : { result: "skipped", why: "labels do not match --selector" };
    rows.push({ namespace, name: config.metadata.name, decision });
  }
  for (const bad of listed.unreadable ?? []) {
    const namespace = bad.namespace ?? "";
    if (!inNamespace(scope, namespace)) continue;
    const why = matches(bad.labels) ? `unreadable: ${bad.error}` : "labels do not match --selector";
    rows.push({ namespace, name: bad.name, decision: { result: "skipped", why } });
  }
  return rows.sort(byPlace);
}
