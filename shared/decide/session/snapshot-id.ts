import { createHash } from "node:crypto";

/**
 * Snapshot ids in the shape of a ULID (docs/model.md#snapshot-fields: `spec.snapshotID`, lexicographically
 * time-sortable): 26 characters of Crockford base32, the first 10 the milliseconds since the epoch (48 bits),
 * the last 16 eighty bits. A real ULID takes those bits from a random source; ours take them from a SHA-256
 * of a seed (the session and the repository), so deciding twice gives the same id and a duplicate create
 * collides instead of forking.
 */

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TIME_CHARS = 10;
const ENTROPY_CHARS = 16;
const MAX_TIME = 2 ** 48 - 1;

/** The 10-character time prefix of a ULID for `time` (clamped to the 48-bit range). */
export function ulidTimePrefix(time: Date): string {
  let ms = Math.min(Math.max(Math.floor(time.getTime()), 0), MAX_TIME);
  let out = "";
  for (let i = 0; i < TIME_CHARS; i++) {
    out = (CROCKFORD[ms % 32] ?? "0") + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function entropyFromSeed(seed: string): string {
  const digest = createHash("sha256").update(seed).digest("hex");
  let bits = BigInt(`0x${digest.slice(0, 20)}`); // 80 bits
  let out = "";
  for (let i = 0; i < ENTROPY_CHARS; i++) {
    out = (CROCKFORD[Number(bits & 31n)] ?? "0") + out;
    bits >>= 5n;
  }
  return out;
}

/** A deterministic ULID-like id: time prefix from `time`, the rest from `seed`. */
export function deterministicUlid(seed: string, time: Date): string {
  return ulidTimePrefix(time) + entropyFromSeed(seed);
}

/** The snapshotID of the Snapshot a BackupSession takes of one Repository. */
export function snapshotId(
  session: { namespace: string; name: string },
  repository: string,
  sessionTime: Date,
): string {
  return deterministicUlid(`${session.namespace}/${session.name}/${repository}`, sessionTime);
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function isUlid(text: string): boolean {
  return ULID.test(text);
}
