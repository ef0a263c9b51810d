import type { PauseRecord } from "../../decide/configuration/pause-plan.ts";

/**
 * The note under a paused configuration's name on the dashboard (docs/pause.md#the-fleet-view): who paused
 * it, when and why, as `kss pause` recorded it; a configuration paused without kss (no record) has none.
 * No DOM here: main.ts draws it; the unit tests call it directly.
 */
export function pauseNote(record: PauseRecord | undefined): string | undefined {
  if (record === undefined) return undefined;
  const by = record.by ? ` by ${record.by}` : "";
  const at = record.at ? ` at ${record.at}` : "";
  return `paused${by}${at}${record.reason ? `: ${record.reason}` : ""}`;
}
