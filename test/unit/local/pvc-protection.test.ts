import { describe, expect, it } from "vitest";
import {
  claimsToRelease,
  isDeletionCandidate,
  PVC_PROTECTION_FINALIZER,
  podUsesClaim,
} from "../../../local/pvc-protection.ts";
import { Pod } from "../../../shared/model/index.ts";
import { parseWith } from "../../../shared/model/parse.ts";
import { PersistentVolumeClaim } from "../../../shared/model/persistent-volume-claim.ts";

/**
 * Which deleted claims the pvc-protection stand-in releases (docs/verification.md#demo), as kubernetes v1.37's
 * pvc-protection controller decides: being deleted with the finalizer, and no scheduled Pod of the namespace
 * mounting it (a persistentVolumeClaim volume; a generic ephemeral volume unless the Pod is shut down).
 */

const DELETED = "2026-12-01T10:00:00Z";

const claim = (name: string, meta: Record<string, unknown> = {}) =>
  parseWith(
    PersistentVolumeClaim,
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        name,
        namespace: "demo-verify",
        uid: `uid-${name}`,
        finalizers: [PVC_PROTECTION_FINALIZER],
        deletionTimestamp: DELETED,
        ...meta,
      },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    },
    "PersistentVolumeClaim",
  );

const pod = (volumes: unknown[], spec: Record<string, unknown> = { nodeName: "node-1" }, meta = {}) =>
  parseWith(
    Pod,
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "restore-pod", namespace: "demo-verify", uid: "uid-pod", ...meta },
      spec: { ...spec, volumes },
    },
    "Pod",
  );

const claimVolume = (claimName: string) => ({ name: "data", persistentVolumeClaim: { claimName } });
const ephemeral = { name: "scratch", ephemeral: { volumeClaimTemplate: { spec: {} } } };
const ephemeralClaim = (owner = "uid-pod") =>
  claim("restore-pod-scratch", {
    ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "restore-pod", uid: owner, controller: true }],
  });

describe("a claim the pvc-protection controller looks at", () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ["deleted, with the finalizer", {}, true],
    ["not deleted", { deletionTimestamp: undefined }, false],
    ["deleted, finalizer gone", { finalizers: ["other"] }, false],
  ])("%s: candidate %s", (_, meta, expected) => {
    expect(isDeletionCandidate(claim("c", meta))).toBe(expected);
  });
});

describe("a Pod that keeps a deleted claim", () => {
  it.each<[string, ReturnType<typeof pod>, ReturnType<typeof claim>, boolean]>([
    ["scheduled, mounting it", pod([claimVolume("c")]), claim("c"), true],
    ["scheduled, mounting another claim", pod([claimVolume("other")]), claim("c"), false],
    ["not scheduled (no nodeName), mounting it", pod([claimVolume("c")], {}), claim("c"), false],
    [
      "shut down (deleted with grace 0), mounting it: still uses it",
      pod([claimVolume("c")], undefined, { deletionTimestamp: DELETED, deletionGracePeriodSeconds: 0 }),
      claim("c"),
      true,
    ],
    ["scheduled, its ephemeral volume's claim", pod([ephemeral]), ephemeralClaim(), true],
    ["scheduled, a same-named claim another Pod owns", pod([ephemeral]), ephemeralClaim("uid-other"), false],
    [
      "shut down, its ephemeral volume's claim",
      pod([ephemeral], undefined, { deletionTimestamp: DELETED, deletionGracePeriodSeconds: 0 }),
      ephemeralClaim(),
      false,
    ],
  ])("%s: %s", (_, p, c, expected) => {
    expect(podUsesClaim(p, c)).toBe(expected);
  });
});

describe("the claims released", () => {
  it("are the deleted ones no Pod of their own namespace uses", () => {
    const used = claim("used");
    const free = claim("free");
    const living = claim("living", { deletionTimestamp: undefined });
    const elsewhere = pod([claimVolume("free")], undefined, { namespace: "other" });
    const released = claimsToRelease([used, free, living], [pod([claimVolume("used")]), elsewhere]);
    expect(released.map((c) => c.metadata.name)).toEqual(["free"]);
  });
});
