import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import { Annotation, rpoTargetAnnotation } from "../../model/labels.ts";
import { DEFAULT_RPO_ALARM_LEVEL, parseRpoTarget } from "../../model/rpo.ts";

/**
 * Where a session's RPO target comes from (docs/rpo.md#targets), most specific first: the configuration's
 * `serverless.kubestash.com/rpo-target.<session>` annotation, its `serverless.kubestash.com/rpo-target`, the
 * registry entry's `rpoTarget`. A bad value is a configuration-level problem (reported, never thrown): the
 * session has no target then, the error says which annotation and why. So is a bad `rpo-alarm-level` of a
 * configuration whose session has a target.
 */

/** The cluster's defaults from its registry entry. */
export interface RpoDefaults {
  /** `rpoTarget` of the registry entry, in milliseconds, and as written ("26h"). */
  targetMs?: number;
  targetText?: string;
  /** `rpoAlarmLevel` of the registry entry. */
  alarmLevel?: number;
}

export interface RpoTarget {
  targetMs: number;
  /** As written, e.g. "26h". */
  text: string;
  source: "session-annotation" | "annotation" | "registry";
  /** From the configuration's annotation, the registry, else 3. */
  alarmLevel: number;
}

export type RpoTargetResult =
  | { target: RpoTarget; error?: undefined }
  | { target?: undefined; error?: string };

function badTarget(key: string, value: string): string {
  return `annotation ${key}: "${value}" is not an RPO target (a duration such as 26h, 90m or 2d)`;
}

/** The configuration's alarm level, or its problem; the registry's (else 3) when it has none. */
export function rpoAlarmLevel(
  configuration: BackupConfiguration,
  defaults: RpoDefaults = {},
): { level: number; error?: string } {
  const fallback = defaults.alarmLevel ?? DEFAULT_RPO_ALARM_LEVEL;
  const text = configuration.metadata.annotations?.[Annotation.RpoAlarmLevel];
  if (text === undefined) return { level: fallback };
  const level = Number(text.trim());
  if (Number.isInteger(level) && level >= 2 && level <= 5) return { level };
  return {
    level: fallback,
    error: `annotation ${Annotation.RpoAlarmLevel}: "${text}" is not an RPO risk level (2, 3, 4 or 5)`,
  };
}

/** Problems of the configuration's RPO annotations, one sentence each (none: empty). */
export function rpoConfigurationErrors(configuration: BackupConfiguration): string[] {
  const annotations = configuration.metadata.annotations ?? {};
  const errors: string[] = [];
  const sessions = new Set((configuration.spec.sessions ?? []).map((s) => s.name));
  for (const [key, value] of Object.entries(annotations)) {
    if (key !== Annotation.RpoTarget && !key.startsWith(`${Annotation.RpoTarget}.`)) continue;
    const ms = parseRpoTarget(value);
    if (ms === undefined || ms <= 0) errors.push(badTarget(key, value));
    const session = key.slice(Annotation.RpoTarget.length + 1);
    if (key !== Annotation.RpoTarget && !sessions.has(session))
      errors.push(`annotation ${key}: the configuration has no session ${session}`);
  }
  const alarm = rpoAlarmLevel(configuration).error;
  if (alarm) errors.push(alarm);
  return errors;
}

/** One session's target, or the problem that leaves it without one (no target at all: neither). */
export function rpoTargetOf(
  configuration: BackupConfiguration,
  session: string,
  defaults: RpoDefaults = {},
): RpoTargetResult {
  const annotations = configuration.metadata.annotations ?? {};
  const alarm = rpoAlarmLevel(configuration, defaults);
  const found = targetOf(annotations, session, defaults, alarm.level);
  // A bad alarm level is a bad target: not rated on a guessed level (recorded Unknown, InvalidRPOTarget).
  if (found.target !== undefined && alarm.error !== undefined) return { error: alarm.error };
  return found;
}

function targetOf(
  annotations: Record<string, string>,
  session: string,
  defaults: RpoDefaults,
  alarmLevel: number,
): RpoTargetResult {
  const candidates: Array<[string, RpoTarget["source"]]> = [
    [rpoTargetAnnotation(session), "session-annotation"],
    [Annotation.RpoTarget, "annotation"],
  ];
  for (const [key, source] of candidates) {
    const text = annotations[key];
    if (text === undefined) continue;
    const targetMs = parseRpoTarget(text);
    if (targetMs === undefined || targetMs <= 0) return { error: badTarget(key, text) };
    return { target: { targetMs, text: text.trim(), source, alarmLevel } };
  }
  if (defaults.targetMs !== undefined && defaults.targetMs > 0)
    return {
      target: {
        targetMs: defaults.targetMs,
        text: defaults.targetText ?? spanOf(defaults.targetMs),
        source: "registry",
        alarmLevel,
      },
    };
  return {};
}

/** Whether any session of the configuration has a target (with these defaults). */
export function hasRpoTarget(configuration: BackupConfiguration, defaults: RpoDefaults = {}): boolean {
  if (defaults.targetMs !== undefined && defaults.targetMs > 0) return true;
  return Object.keys(configuration.metadata.annotations ?? {}).some(
    (key) => key === Annotation.RpoTarget || key.startsWith(`${Annotation.RpoTarget}.`),
  );
}

function spanOf(ms: number): string {
  const h = ms / 3_600_000;
  return Number.isInteger(h) ? `${h}h` : `${Math.round(ms / 60_000)}m`;
}
