import { z } from "zod";
import { Time } from "../common.ts";
import { DetailBase, defineEvent } from "./envelope.ts";

/**
 * A cluster of the registry that the functions cannot use: its API server does not answer (after the
 * adapter's retries), or its credentials cannot be made or are refused. Only that cluster is affected;
 * `since` is when it was first seen failing, so repeats of one outage carry the same value.
 */
export const ClusterUnreachableDetail = z.strictObject({
  ...DetailBase,
  /** The error as the functions saw it (connection refused, timed out, credentials, 401/403). */
  error: z.string().min(1).max(1024),
  /** What failed: the API server did not answer, the credentials could not be made, or were refused. */
  failure: z.enum(["unavailable", "credentials", "forbidden"]),
  /** When the cluster was first seen unreachable in this outage. */
  since: Time,
  detectedAt: Time,
});
export type ClusterUnreachableDetail = z.infer<typeof ClusterUnreachableDetail>;

export const ClusterUnreachable = defineEvent(
  "Cluster Unreachable",
  ClusterUnreachableDetail,
  "A registered cluster cannot be reached or its credentials fail; its backups are not scheduled meanwhile.",
);
