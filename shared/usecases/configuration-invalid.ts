import { invalidConfigurationStatus } from "../decide/configuration/configuration-invalid.ts";
import type { KubeClient } from "../kube/client.ts";

/**
 * The one writer of a BackupConfiguration's Invalid status (shared/decide/configuration/configuration-invalid.ts): a merge
 * patch of the status with the resourceVersion it was decided from, nothing when the status says so already,
 * and on Conflict read again and decided again. `known` is the object as the caller read it (a LIST): decided on
 * without a GET first. The object is read unparsed: the model may not read it.
 */
export async function markConfigurationInvalid(
  client: KubeClient,
  namespace: string | undefined,
  name: string,
  message: string,
  now: Date,
  known?: unknown,
): Promise<{ changed: boolean }> {
  return client.updateUnparsedStatus(
    "BackupConfiguration",
    namespace,
    name,
    (current) =>
      invalidConfigurationStatus((current as { status?: unknown } | undefined)?.status, message, now),
    known === undefined ? {} : { known },
  );
}
