import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { FieldIssue } from "../../model/errors.ts";
import { indexObjectsInFile } from "../manifests/manifest-references.ts";
import { semanticIssues } from "../manifests/manifest-rules.ts";

/** No file around the object: references to other objects are not judged against one. */
const ON_ITS_OWN = indexObjectsInFile([]);

/**
 * The semantic rules of one BackupConfiguration on its own, as the cluster holds it: what `kss validate` checks
 * of it beyond its schema (cron grammar, unique session names, backends named in spec.backends), without the
 * checks that need the rest of a file (a reference to a BackupStorage, RetentionPolicy, Addon or HookTemplate
 * the file does not hold). In the cluster those references are judged by the status' backends instead
 * (shared/decide/configuration/configuration-status.ts). create-sessions writes these issues as `ValidationPassed`.
 */
export function configurationIssues(config: BackupConfiguration): FieldIssue[] {
  return semanticIssues("BackupConfiguration", config, ON_ITS_OWN);
}
