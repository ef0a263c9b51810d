import { type FieldIssue, formatPath } from "../../model/errors.ts";
import { parseCronSchedule } from "../schedule/cron.ts";
import { isRecord, missingReference, type ObjectsInFile, stringField } from "./manifest-references.ts";

/**
 * Rules a manifest must follow that its zod schema cannot express: cron grammar, unique session names,
 * references within a configuration and to other objects of the file. They read the raw object (not the
 * parsed one), so they still report when the schema found other problems; a field of the wrong type is
 * left to the schema's message.
 */

type Path = ReadonlyArray<string | number>;

/** The entries of an array field that are objects, with their index. */
function objectEntries(value: unknown): Array<[number, Record<string, unknown>]> {
  if (!Array.isArray(value)) return [];
  return value.flatMap(
    (item, index): Array<[number, Record<string, unknown>]> => (isRecord(item) ? [[index, item]] : []),
  );
}

function issueAt(path: Path, message: string): FieldIssue {
  return { path: formatPath(path), message };
}

function scheduleIssues(sessions: Array<[number, Record<string, unknown>]>): FieldIssue[] {
  return sessions.flatMap(([index, session]) => {
    const schedule = stringField(session.scheduler, "schedule");
    if (schedule === undefined) return [];
    const parsed = parseCronSchedule(schedule);
    return parsed.ok ? [] : [issueAt(["spec", "sessions", index, "scheduler", "schedule"], parsed.error)];
  });
}

function duplicateSessionNameIssues(sessions: Array<[number, Record<string, unknown>]>): FieldIssue[] {
  const firstIndexByName = new Map<string, number>();
  const issues: FieldIssue[] = [];
  for (const [index, session] of sessions) {
    const name = stringField(session, "name");
    if (name === undefined) continue;
    const first = firstIndexByName.get(name);
    if (first === undefined) firstIndexByName.set(name, index);
    else
      issues.push(
        issueAt(
          ["spec", "sessions", index, "name"],
          `duplicate session name "${name}" (see spec.sessions[${first}])`,
        ),
      );
  }
  return issues;
}

/** `repositories[].backend` must name one of `spec.backends` when the configuration lists any. */
function backendNameIssues(
  sessions: Array<[number, Record<string, unknown>]>,
  backends: Array<[number, Record<string, unknown>]>,
): FieldIssue[] {
  const names = backends.flatMap(([, backend]) => stringField(backend, "name") ?? []);
  if (names.length === 0) return [];
  return sessions.flatMap(([sessionIndex, session]) =>
    objectEntries(session.repositories).flatMap(([repoIndex, repository]) => {
      const backend = stringField(repository, "backend");
      if (backend === undefined || names.includes(backend)) return [];
      const path = ["spec", "sessions", sessionIndex, "repositories", repoIndex, "backend"];
      return [issueAt(path, `backend "${backend}" is not in spec.backends (${names.join(", ")})`)];
    }),
  );
}

function configurationReferenceIssues(
  sessions: Array<[number, Record<string, unknown>]>,
  backends: Array<[number, Record<string, unknown>]>,
  namespace: string,
  file: ObjectsInFile,
): FieldIssue[] {
  const found: Array<FieldIssue | undefined> = [];
  for (const [index, backend] of backends) {
    const at = (field: string) => formatPath(["spec", "backends", index, field]);
    found.push(missingReference(file, "BackupStorage", backend.storageRef, namespace, at("storageRef")));
    found.push(
      missingReference(file, "RetentionPolicy", backend.retentionPolicy, namespace, at("retentionPolicy")),
    );
  }
  for (const [index, session] of sessions) {
    const addonPath = formatPath(["spec", "sessions", index, "addon", "name"]);
    found.push(missingReference(file, "Addon", session.addon, "", addonPath));
    for (const phase of ["preBackup", "postBackup"]) {
      const hooks = isRecord(session.hooks) ? session.hooks[phase] : undefined;
      for (const [hookIndex, hook] of objectEntries(hooks)) {
        const path = formatPath(["spec", "sessions", index, "hooks", phase, hookIndex, "hookTemplate"]);
        found.push(missingReference(file, "HookTemplate", hook.hookTemplate, namespace, path));
      }
    }
  }
  return found.filter((issue) => issue !== undefined);
}

function backupConfigurationIssues(object: Record<string, unknown>, file: ObjectsInFile): FieldIssue[] {
  if (!isRecord(object.spec)) return [];
  const sessions = objectEntries(object.spec.sessions);
  const backends = objectEntries(object.spec.backends);
  const namespace = stringField(object.metadata, "namespace") ?? "";
  return [
    ...scheduleIssues(sessions),
    ...duplicateSessionNameIssues(sessions),
    ...backendNameIssues(sessions, backends),
    ...configurationReferenceIssues(sessions, backends, namespace, file),
  ];
}

function backupSessionIssues(object: Record<string, unknown>): FieldIssue[] {
  if (!isRecord(object.spec) || object.spec.invoker !== undefined) return [];
  return [issueAt(["spec", "invoker"], "invoker is required: the BackupConfiguration this session backs up")];
}

function repositoryIssues(object: Record<string, unknown>, file: ObjectsInFile): FieldIssue[] {
  if (!isRecord(object.spec)) return [];
  const namespace = stringField(object.metadata, "namespace") ?? "";
  const issue = missingReference(file, "BackupStorage", object.spec.storageRef, namespace, "spec.storageRef");
  return issue === undefined ? [] : [issue];
}

/** Issues of one object of a modeled `kind` beyond its schema. */
export function semanticIssues(
  kind: string,
  object: Record<string, unknown>,
  file: ObjectsInFile,
): FieldIssue[] {
  switch (kind) {
    case "BackupConfiguration":
      return backupConfigurationIssues(object, file);
    case "BackupSession":
      return backupSessionIssues(object);
    case "Repository":
      return repositoryIssues(object, file);
    default:
      return [];
  }
}
