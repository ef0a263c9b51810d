import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCronSchedule } from "../../../shared/decide/schedule/cron.ts";
import { nextScheduleTimes } from "../../../shared/decide/schedule/schedule-times.ts";
import { toKubeTime } from "../../../shared/model/time.ts";

/**
 * Our grammar and next times against robfig/cron v3.0.1's own answers on the same schedules
 * (test/fixtures/robfig-cron: the oracle program, its input and its output).
 */

interface RobfigAnswer {
  spec: string;
  ok: boolean;
  error?: string;
  everySeconds?: number;
  next?: Record<string, string[]>;
}

const FIXTURES = join(import.meta.dirname, "../../fixtures/robfig-cron");
const answers: RobfigAnswer[] = JSON.parse(readFileSync(join(FIXTURES, "robfig.json"), "utf8"));

/** Where we answer differently on purpose (docs/decisions.md#cron-grammar). */
const DIFFERENT: Record<string, string> = {
  "TZ= 0 * * * *": "robfig reads an empty zone as UTC; spec.timeZone must not be empty",
  "TZ=Local 0 * * * *": "robfig reads Local as the controller's own zone; spec.timeZone must name one",
};

describe("parseCronSchedule against robfig/cron v3.0.1 (test/fixtures/robfig-cron)", () => {
  it("covers the fixture", () => {
    expect(answers.length).toBeGreaterThan(200);
    expect(answers.filter((a) => a.ok).length).toBeGreaterThan(150);
  });

  it.each(answers.map((a) => [a.spec, a] as const))("%j", (spec, answer) => {
    const ours = parseCronSchedule(spec);
    if (spec in DIFFERENT) {
      expect(ours.ok).toBe(!answer.ok);
      return;
    }
    expect(ours.ok ? "accepted" : `rejected: ${ours.error}`).toEqual(
      answer.ok ? "accepted" : expect.stringMatching(/^rejected: /),
    );
    if (!ours.ok) return;
    if (answer.everySeconds !== undefined) {
      expect(ours.schedule).toMatchObject({ kind: "every", everyMs: answer.everySeconds * 1000 });
    }
    for (const [from, times] of Object.entries(answer.next ?? {})) {
      const got = nextScheduleTimes(ours.schedule, new Date(from), 4).map(toKubeTime);
      expect({ from, times: got }).toEqual({ from, times });
    }
  });
});
