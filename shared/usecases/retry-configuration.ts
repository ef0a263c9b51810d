import type { KubeClient } from "../kube/client.ts";
import { ConflictError, NotFoundError } from "../kube/errors.ts";
import { BackupConfiguration } from "../model/backup-configuration.ts";
import { tryParseWith } from "../model/parse.ts";
import { markConfigurationInvalid } from "./configuration-invalid.ts";

/**
 * The BackupConfiguration a failed session names, read for the retry decision. The API server accepts any
 * string as `retryConfig.delay` (the CRD says `type: string`) while the model rejects what is not a duration,
 * so a configuration whose only fault is its delay is read with the delay text set aside and put back: the
 * decision then says "invalid delay" instead of the configuration looking deleted.
 */

export type ConfigurationRead =
  | { status: "found"; configuration: BackupConfiguration }
  | { status: "missing" }
  | { status: "unreadable"; message: string };

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A copy of the raw object without the sessions' retry delays, and the delays by session index. */
function setDelaysAside(raw: unknown): { stripped: unknown; delays: Map<number, string> } {
  const delays = new Map<number, string>();
  const stripped: unknown = structuredClone(raw);
  const spec = isRecord(stripped) ? stripped.spec : undefined;
  const sessions = isRecord(spec) && Array.isArray(spec.sessions) ? spec.sessions : [];
  sessions.forEach((session: unknown, index) => {
    const retryConfig = isRecord(session) ? session.retryConfig : undefined;
    if (isRecord(retryConfig) && typeof retryConfig.delay === "string") {
      delays.set(index, retryConfig.delay);
      delete retryConfig.delay;
    }
  });
  return { stripped, delays };
}

export async function readRetryConfiguration(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<ConfigurationRead> {
  let raw: unknown;
  try {
    raw = await client.getUnparsed("BackupConfiguration", namespace, name);
  } catch (error) {
    if (error instanceof NotFoundError) return { status: "missing" };
    throw error;
  }
  const subject = `BackupConfiguration ${namespace}/${name}`;
  const strict = tryParseWith(BackupConfiguration, raw, subject);
  if (strict.ok) return { status: "found", configuration: strict.value };
  const { stripped, delays } = setDelaysAside(raw);
  const lenient = tryParseWith(BackupConfiguration, stripped, subject);
  if (!lenient.ok || delays.size === 0) return { status: "unreadable", message: strict.error.message };
  const configuration = lenient.value;
  for (const [index, delay] of delays) {
    const retryConfig = configuration.spec.sessions?.[index]?.retryConfig;
    if (retryConfig) retryConfig.delay = delay;
  }
  return { status: "found", configuration };
}

/**
 * Records a bad retry delay on the configuration: Invalid with `ValidationPassed=False`, by the one writer
 * create-sessions uses for a configuration the model cannot read (shared/usecases/configuration-invalid.ts), and
 * a Warning Event. Best effort on a race that outlasts the writer's re-reads: the next evaluation writes it again.
 */
export async function recordInvalidDelay(
  client: KubeClient,
  configuration: BackupConfiguration,
  message: string,
  now: Date,
): Promise<void> {
  const { namespace, name } = configuration.metadata;
  try {
    await markConfigurationInvalid(client, namespace, name, message, now, configuration);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
  await client.recordEvent(configuration, { type: "Warning", reason: "InvalidRetryDelay", message }, now);
}
