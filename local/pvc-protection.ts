import type { KubeClient } from "../shared/kube/client.ts";
import { ConflictError, NotFoundError } from "../shared/kube/errors.ts";
import { objectPath } from "../shared/kube/paths.ts";
import type { PersistentVolumeClaim } from "../shared/model/persistent-volume-claim.ts";
import type { Pod } from "../shared/model/workload.ts";

/**
 * Plays kube-controller-manager's pvc-protection controller where none runs (docs/verification.md#demo). The
 * API server's StorageObjectInUseProtection admission plugin, on by default, puts the finalizer
 * `kubernetes.io/pvc-protection` on every claim, so a deleted claim stays Terminating until that controller
 * removes it — once no scheduled Pod uses the claim. As in kubernetes v1.37
 * `pkg/controller/volume/pvcprotection`: a claim is a candidate when it is being deleted and has the finalizer;
 * a Pod uses it when the Pod is scheduled (`spec.nodeName`) and has a `persistentVolumeClaim` volume of that
 * claim, or, unless the Pod is shut down, a generic ephemeral volume whose claim it is; the finalizer is
 * removed by an update of the claim (with its resourceVersion), and nothing else is written. (Its other job,
 * the `Unused` condition of Bound claims, does not arise: no claim binds without the PV controller.)
 */

export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";

interface PodVolume {
  name?: string;
  persistentVolumeClaim?: { claimName?: string };
  ephemeral?: unknown;
}

type PodLike = Pod & {
  metadata: Pod["metadata"] & { deletionGracePeriodSeconds?: number };
  spec?: { nodeName?: string; volumes?: PodVolume[] };
};

/** Being deleted and still holding the protection finalizer. */
export function isDeletionCandidate(claim: PersistentVolumeClaim): boolean {
  return (
    claim.metadata.deletionTimestamp !== undefined &&
    (claim.metadata.finalizers ?? []).includes(PVC_PROTECTION_FINALIZER)
  );
}

/** The kubelet is done with the Pod or it was force-deleted: deleted with a grace period of 0. */
function isShutDown(pod: PodLike): boolean {
  return pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionGracePeriodSeconds === 0;
}

/** Whether the Pod keeps the claim from being deleted (the controller's podUsesPVCForDeletion). */
export function podUsesClaim(pod: Pod, claim: PersistentVolumeClaim): boolean {
  const p = pod as PodLike;
  if (!p.spec?.nodeName) return false;
  return (p.spec.volumes ?? []).some((volume) => {
    if (volume.persistentVolumeClaim?.claimName === claim.metadata.name) return true;
    if (volume.ephemeral === undefined || isShutDown(p)) return false;
    // A generic ephemeral volume's claim is `<pod>-<volume>` and controlled by that Pod.
    const ownedByPod = (claim.metadata.ownerReferences ?? []).some(
      (o) => o.controller === true && o.uid === pod.metadata.uid,
    );
    return `${pod.metadata.name}-${volume.name}` === claim.metadata.name && ownedByPod;
  });
}

/** The claims whose finalizer the controller removes: candidates no Pod of their namespace uses. */
export function claimsToRelease(
  claims: ReadonlyArray<PersistentVolumeClaim>,
  pods: ReadonlyArray<Pod>,
): PersistentVolumeClaim[] {
  return claims.filter(
    (claim) =>
      isDeletionCandidate(claim) &&
      !pods.some((pod) => pod.metadata.namespace === claim.metadata.namespace && podUsesClaim(pod, claim)),
  );
}

/**
 * One pass of the controller over the claims being deleted (of one namespace, or of all): removes the
 * finalizer from each that no Pod uses. A claim changed or gone meanwhile is left to the next pass, as the
 * controller requeues it. Returns the names (`namespace/name`) released.
 */
export async function releaseUnusedClaims(client: KubeClient, namespace?: string): Promise<string[]> {
  const candidates = (await client.list("PersistentVolumeClaim", { namespace })).items.filter(
    isDeletionCandidate,
  );
  if (candidates.length === 0) return [];
  const namespaces = [...new Set(candidates.map((c) => c.metadata.namespace ?? "default"))];
  const pods = (await Promise.all(namespaces.map((ns) => client.list("Pod", { namespace: ns })))).flatMap(
    (list) => list.items,
  );
  const released: string[] = [];
  for (const claim of claimsToRelease(candidates, pods)) {
    const { namespace: ns, name } = claim.metadata;
    try {
      const current = (await client.getUnparsed("PersistentVolumeClaim", ns, name)) as {
        metadata: { finalizers?: string[] };
      };
      const finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== PVC_PROTECTION_FINALIZER);
      // An update of the whole claim, as the controller does; the resourceVersion read is its precondition.
      await client.transport.request({
        method: "PUT",
        path: objectPath("PersistentVolumeClaim", ns, name),
        body: { ...current, metadata: { ...current.metadata, finalizers } },
      });
      released.push(`${ns}/${name}`);
    } catch (error) {
      if (!(error instanceof ConflictError || error instanceof NotFoundError)) throw error;
    }
  }
  return released;
}
