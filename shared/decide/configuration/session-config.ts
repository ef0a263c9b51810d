import type { BackupConfiguration, SessionConfig } from "../../model/backup-configuration.ts";
import type { BackupSession } from "../../model/backup-session.ts";

/** The configuration's `spec.sessions[]` entry a BackupSession runs. */
export function sessionConfigOf(
  configuration: BackupConfiguration | undefined,
  session: BackupSession,
): SessionConfig | undefined {
  return configuration?.spec.sessions?.find((s) => s.name === session.spec.session);
}
