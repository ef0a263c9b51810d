import { describe, expect, it } from "vitest";
import { definition as triggerBackup } from "../../../functions/trigger-backup/function.ts";
import { matchesPattern } from "../../../local/event-pattern.ts";
import { readWiring } from "../../../local/wiring.ts";

/**
 * serverless.yml routes to trigger-backup exactly what its definition accepts (docs/verification.md#scheduling):
 * "Backup Trigger Requested" and "Verification Trigger Requested", from the allowed sources, and nothing else.
 */

const wiring = readWiring().find((w) => w.name === "trigger-backup");
const routed = (detailType: string, source: string) =>
  (wiring?.patterns ?? []).some((p) => matchesPattern(p, { "detail-type": detailType, source, detail: {} }));

describe("the trigger rule", () => {
  it("accepts both trigger requests", () => {
    expect(triggerBackup.accepts.map((d) => d.detailType)).toEqual([
      "Backup Trigger Requested",
      "Verification Trigger Requested",
    ]);
  });

  it.each(triggerBackup.accepts.map((d) => d.detailType))(
    "routes %s from kss trigger to it",
    (detailType) => {
      expect(routed(detailType, "kss.cli")).toBe(true);
    },
  );

  it("routes no other detail type, and no source outside the allowed ones", () => {
    expect(routed("Schedule Tick", "kss.cli")).toBe(false);
    expect(routed("BackupVerificationSession Created", "kss.cli")).toBe(false);
    expect(routed("Verification Trigger Requested", "someone.else")).toBe(false);
  });
});
