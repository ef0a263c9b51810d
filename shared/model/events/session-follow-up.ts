import { z } from "zod";
import { DetailBase, defineEvent } from "./envelope.ts";

export const SessionFollowUpDetail = z.strictObject({
  ...DetailBase,
  namespace: z.string().min(1),
  name: z.string().min(1),
  /** The session object this chain follows: a newer object under the same name ends the chain. */
  uid: z.string().min(1),
  /** Hop number along the chain (1, 2, …): with the uid, the message's dedup key. */
  attempt: z.number().int().positive(),
  /** Hops since the last reconcile that changed something: picks the back-off (shared/decide/session/follow-up.ts). */
  sinceProgress: z.number().int().positive(),
});
export type SessionFollowUpDetail = z.infer<typeof SessionFollowUpDetail>;

export const SessionFollowUp = defineEvent(
  "BackupSession Follow Up",
  SessionFollowUpDetail,
  "Look at a running BackupSession again (sent by reconcile-session to itself on the follow-up queue, with a delay).",
);
