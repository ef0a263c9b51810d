import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { Condition } from "../../model/common.ts";
import { findCondition, setCondition } from "../../model/conditions.ts";
import { Annotation, startWindowAnnotation } from "../../model/labels.ts";
import {
  type ExclusionWindow,
  ScheduleHeldCondition as H,
  parseExclusionWindowsText,
  parseStartWindow,
  type RecurringWindow,
} from "../../model/schedule-windows.ts";
import { toKubeTime } from "../../model/time.ts";
import { matchesLabelSelector } from "../configuration/usage-policy.ts";
import { utcOffsetMs, wallClock } from "./zoned-time.ts";

/**
 * What exclusion windows and start windows do to a scheduled run (docs/windows.md), as pure functions of
 * (windows, instants): which windows are open at an instant (a recurring one in its own zone, across
 * daylight-saving changes), where a run's start moves to (the end of the open windows, chained through
 * overlapping ones; policy Wait), or that it is Skipped (policy Skip); and which windows and start window a
 * session has (its configuration's annotations, the cluster's registry entry).
 */

const DAY_MS = 86_400_000;
/** How many windows in a row one start may be moved through before it is given up as never starting. */
const MAX_CHAIN = 64;

/** One opening of a window: [start, end). */
export interface WindowOccurrence {
  window: ExclusionWindow;
  start: Date;
  end: Date;
}

/**
 * The instant a wall-clock time of `zone` names (minutes after local midnight of year-month-day). A time the
 * clocks skip (spring forward) is read with the offset before the change, so it lands as far after the gap as
 * it was into it (02:30 on Berlin's 2026-03-29 is 03:30 CEST); a time the clocks show twice (fall back) is
 * its first (earlier) instant — RFC 5545's and Temporal's "compatible" reading (docs/windows.md#daylight-saving).
 */
export function zonedInstant(
  year: number,
  month: number,
  day: number,
  minuteOfDay: number,
  zone: string,
): number {
  const wall = Date.UTC(year, month - 1, day, Math.floor(minuteOfDay / 60), minuteOfDay % 60);
  // The offsets a day before and after: no zone changes its offset twice within two days.
  const before = utcOffsetMs(wall - DAY_MS, zone);
  const after = utcOffsetMs(wall + DAY_MS, zone);
  const candidates = [wall - before, wall - after].filter((t) => t + utcOffsetMs(t, zone) === wall);
  // In the gap no instant shows it: read with the offset in force before the change.
  return candidates.length > 0 ? Math.min(...candidates) : wall - before;
}

function recurringAt(window: RecurringWindow, at: number): WindowOccurrence[] {
  const zone = window.timeZone ?? "UTC";
  const local = wallClock(new Date(at), zone);
  const found: WindowOccurrence[] = [];
  // Openings that began on this local day or up to the window's length (plus a day) before.
  const back = Math.ceil(window.durationMs / DAY_MS) + 1;
  for (let k = 0; k <= back; k++) {
    const day = new Date(Date.UTC(local.year, local.month - 1, local.day - k));
    if (!window.days.includes(day.getUTCDay())) continue;
    const start = zonedInstant(
      day.getUTCFullYear(),
      day.getUTCMonth() + 1,
      day.getUTCDate(),
      window.startMinute,
      zone,
    );
    if (start <= at && at < start + window.durationMs) {
      found.push({ window, start: new Date(start), end: new Date(start + window.durationMs) });
    }
  }
  return found;
}

/** The openings of `windows` that `at` falls in ([start, end): a window is closed at its end). */
export function openWindowsAt(windows: readonly ExclusionWindow[], at: Date): WindowOccurrence[] {
  const t = at.getTime();
  const open: WindowOccurrence[] = [];
  for (const window of windows) {
    if (window.kind === "once") {
      if (window.start <= t && t < window.end) {
        open.push({ window, start: new Date(window.start), end: new Date(window.end) });
      }
    } else open.push(...recurringAt(window, t));
  }
  return open;
}

/** Where a run's start lands after the windows. */
export interface StartPlacement {
  /** When it starts: the start asked for, or the end of the windows that hold it (plus the stagger offset). */
  startAt: Date;
  /** Policy Wait: the windows that moved the start, and where to (`until` = `startAt`). */
  heldBy?: { windows: string[]; until: Date };
  /** Policy Skip: the window the start (as moved) falls in; the run is created Skipped. */
  skippedBy?: WindowOccurrence;
  /** The windows never close around it (more than MAX_CHAIN in a row): it does not start. */
  never?: boolean;
}

/**
 * Where a start at `start` lands (docs/windows.md#policy): outside every window, where it is; inside a Skip
 * window (also one it was moved into), Skipped; inside Wait windows only, moved to the latest end among them,
 * plus `offsetMs` (the run's stagger offset, so held runs do not all start in the window's last second), and
 * again if that is inside a window (overlapping and back-to-back windows chain).
 */
export function placeStart(windows: readonly ExclusionWindow[], start: Date, offsetMs = 0): StartPlacement {
  if (windows.length === 0) return { startAt: start };
  let at = start;
  const holding: string[] = [];
  for (let step = 0; step < MAX_CHAIN; step++) {
    const open = openWindowsAt(windows, at);
    const held = holding.length > 0 ? { heldBy: { windows: [...holding], until: at } } : {};
    if (open.length === 0) return { startAt: at, ...held };
    const skip = open.find((o) => o.window.policy === "Skip");
    if (skip) return { startAt: at, ...held, skippedBy: skip };
    for (const o of open) if (!holding.includes(o.window.name)) holding.push(o.window.name);
    const end = Math.max(...open.map((o) => o.end.getTime()));
    at = new Date(end + offsetMs);
  }
  return { startAt: at, heldBy: { windows: holding, until: at }, never: true };
}

/**
 * The first instant at or after `at` outside every window, whatever their policy (chained through overlapping
 * ones): when a retry due at `at` may start, if retries are to wait for windows (docs/windows.md#policy).
 */
export function windowRelease(windows: readonly ExclusionWindow[], at: Date): Date {
  let t = at;
  for (let step = 0; step < MAX_CHAIN; step++) {
    const open = openWindowsAt(windows, t);
    if (open.length === 0) return t;
    t = new Date(Math.max(...open.map((o) => o.end.getTime())));
  }
  return t;
}

/** Why a run is created Skipped by a Skip window. */
export function skippedByWindowReason(occurrence: WindowOccurrence): string {
  return `inside exclusion window "${occurrence.window.name}" (${toKubeTime(occurrence.start)} to ${toKubeTime(occurrence.end)}, policy Skip)`;
}

/** A due run held by Wait windows until `until` (the decision's `heldBy`). */
export interface WindowHold {
  windows: string[];
  until: Date;
}

/**
 * The session's conditions with the hold recorded (docs/windows.md#how-it-shows): ScheduleHeld True while
 * `hold` is set (its message names the windows and the end, so a hold costs one write, not one per tick);
 * False once released; absent for a session no window ever held.
 */
export function scheduleHeldConditions(
  previous: ReadonlyArray<Condition> | undefined,
  hold: WindowHold | undefined,
  now: Date,
): Condition[] {
  if (hold !== undefined) {
    const names = hold.windows.map((w) => `"${w}"`).join(", ");
    const message = `The due run waits for exclusion window${hold.windows.length > 1 ? "s" : ""} ${names} until ${toKubeTime(hold.until)}.`;
    return setCondition(previous, { type: H.type, status: "True", reason: H.Held, message }, now);
  }
  if (findCondition(previous, H.type)?.status !== "True") return [...(previous ?? [])];
  return setCondition(
    previous,
    { type: H.type, status: "False", reason: H.Released, message: "No exclusion window holds the run." },
    now,
  );
}

/** Where a session's windows come from besides its configuration (the cluster's registry entry). */
export interface WindowContext {
  /** The registry's windows of this cluster (those with a namespaceSelector apply to matching namespaces). */
  clusterWindows?: readonly ExclusionWindow[];
  /** The cluster's `timeZone` (registry): the zone of a recurring window that names none; else UTC. */
  clusterTimeZone?: string;
  /**
   * The labels of the configuration's namespace (for the windows' namespaceSelector; `{}` for a namespace
   * without labels). Unset: not known, and windows with a namespaceSelector are left out.
   */
  namespaceLabels?: Readonly<Record<string, string>>;
  /** The cluster's start window (registry), unless the configuration's annotations set one. */
  defaultStartWindowMs?: number;
}

/** A session's windows and start window, or what of its configuration cannot be read. */
export interface SessionWindows {
  windows: ExclusionWindow[];
  startWindowMs?: number;
  /** An annotation that does not parse: the session is not scheduled on a guess (docs/windows.md#errors). */
  error?: string;
}

function startWindowOf(
  configuration: BackupConfiguration,
  session: string,
  fallback: number | undefined,
): { ms?: number; error?: string } {
  const annotations = configuration.metadata.annotations ?? {};
  for (const key of [startWindowAnnotation(session), Annotation.StartWindow]) {
    const text = annotations[key];
    if (text === undefined) continue;
    const parsed = parseStartWindow(text);
    return parsed.ok ? { ms: parsed.value } : { error: `annotation ${key}: ${parsed.error}` };
  }
  return fallback === undefined ? {} : { ms: fallback };
}

/**
 * The windows of `configuration`'s session `session`: the configuration's `exclusion-windows` annotation and
 * the cluster's windows whose namespaceSelector matches its namespace (a recurring window without a zone in
 * the cluster's `timeZone`), and its start window (`start-window.<session>`, then `start-window`, then the
 * cluster's).
 */
export function sessionWindows(
  configuration: BackupConfiguration,
  session: string,
  context: WindowContext = {},
): SessionWindows {
  // Namespace labels not known (the fleet view lists no Namespaces): a window that selects namespaces is not
  // counted, rather than matched against no labels (docs/rpo.md#windows).
  const labels = context.namespaceLabels;
  const cluster = (context.clusterWindows ?? []).filter(
    (w) =>
      w.namespaceSelector === undefined ||
      (labels !== undefined && matchesLabelSelector(w.namespaceSelector, { ...labels })),
  );
  const start = startWindowOf(configuration, session, context.defaultStartWindowMs);
  const text = configuration.metadata.annotations?.[Annotation.ExclusionWindows];
  const own = text === undefined ? { ok: true as const, value: [] } : parseExclusionWindowsText(text);
  const error = [
    ...(own.ok ? [] : [`annotation ${Annotation.ExclusionWindows}: ${own.error}`]),
    ...(start.error ? [start.error] : []),
  ].join("; ");
  const zone = context.clusterTimeZone;
  const windows = [...cluster, ...(own.ok ? own.value : [])].map((w) =>
    w.kind !== "once" && w.timeZone === undefined && zone !== undefined ? { ...w, timeZone: zone } : w,
  );
  return {
    windows,
    ...(start.ms !== undefined ? { startWindowMs: start.ms } : {}),
    ...(error ? { error } : {}),
  };
}
