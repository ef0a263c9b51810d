import type { LabelTarget } from "../decide/session/settled.ts";
import type { KubeClient } from "../kube/client.ts";
import { NotFoundError } from "../kube/errors.ts";
import { COMPLETED_LABEL } from "../model/labels.ts";

/**
 * Writes the completed label on a settled session's objects (docs/costs.md#the-sweep-lists-only-what-is-unfinished),
 * in the order shared/decide/session/settled.ts gives: its Snapshots and Jobs, then the session with its
 * resourceVersion as precondition. The status write cannot change labels, so this is one metadata merge patch
 * per object, made once: what carries the label is never labelled again. An object gone is done; any other
 * failure leaves the session unlabelled, so the next sweep lists it and labels again — a lost label costs a
 * LIST entry, never a decision.
 */
export async function labelSettled(
  client: KubeClient,
  targets: ReadonlyArray<LabelTarget>,
): Promise<boolean> {
  const session = targets.at(-1);
  if (!session) return true;
  try {
    await Promise.all(targets.slice(0, -1).map((t) => label(client, t)));
    await label(client, session);
    return true;
  } catch {
    return false;
  }
}

async function label(client: KubeClient, target: LabelTarget): Promise<void> {
  const metadata = {
    labels: { [COMPLETED_LABEL]: "true" },
    ...(target.resourceVersion ? { resourceVersion: target.resourceVersion } : {}),
  };
  try {
    await client.patch(target.kind, target.namespace, target.name, { metadata });
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
}

/**
 * Clears the label of a settled session about to be deleted by history cleanup, so the sweep lists it while
 * it is being deleted and its finalizer path runs (docs/costs.md#sessions-being-deleted). The uid in the patch
 * is a precondition: a newer session of the same name is not touched. False when it is gone already.
 */
export async function unlabelForDeletion(
  client: KubeClient,
  namespace: string,
  name: string,
  uid: string | undefined,
): Promise<boolean> {
  try {
    await client.patch("BackupSession", namespace, name, {
      metadata: { labels: { [COMPLETED_LABEL]: null }, ...(uid ? { uid } : {}) },
    });
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}
