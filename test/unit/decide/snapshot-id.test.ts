import { describe, expect, it } from "vitest";
import {
  deterministicUlid,
  isUlid,
  snapshotId,
  ulidTimePrefix,
} from "../../../shared/decide/session/snapshot-id.ts";

const session = { namespace: "demo", name: "app-backup-daily-1795694400" };
const t = new Date("2026-11-26T12:00:00Z");

describe("snapshotId", () => {
  it("is 26 characters of Crockford base32", () => {
    expect(isUlid(snapshotId(session, "s3-repo", t))).toBe(true);
  });

  it("has the ULID time prefix of the session's time (the ULID spec's example)", () => {
    expect(ulidTimePrefix(new Date(1469918176385))).toBe("01ARYZ6S41");
  });

  it("is the same every time it is derived (deterministic)", () => {
    expect(snapshotId(session, "s3-repo", t)).toBe(snapshotId({ ...session }, "s3-repo", new Date(t)));
  });

  it("differs per repository and per session, keeping the same time prefix", () => {
    const a = snapshotId(session, "s3-repo", t);
    const b = snapshotId(session, "gcs-repo", t);
    const c = snapshotId({ ...session, name: "other" }, "s3-repo", t);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a.slice(0, 10)).toBe(b.slice(0, 10));
  });

  it("sorts by time", () => {
    const ids = [3, 1, 2].map((h) => deterministicUlid(`seed-${h}`, new Date(t.getTime() + h * 3_600_000)));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
  });

  it("clamps times before the epoch to a zero prefix", () => {
    expect(ulidTimePrefix(new Date(-1000))).toBe("0000000000");
  });
});
