import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

/** Debian's restic on real local repositories, for tests: init, back up generated data, list, measure. */

const run = promisify(execFile);

export interface LocalRepository {
  /** The restic repository's folder. */
  dir: string;
  password: string;
}

async function restic(repo: LocalRepository, args: string[]): Promise<string> {
  const { stdout } = await run("restic", ["--no-cache", ...args], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      TZ: "UTC",
      RESTIC_REPOSITORY: repo.dir,
      RESTIC_PASSWORD: repo.password,
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

export async function initRepository(repo: LocalRepository): Promise<void> {
  await mkdir(path.dirname(repo.dir), { recursive: true });
  await restic(repo, ["init"]);
}

/**
 * Backs up `dir` after writing fresh data into it (a file of `bytes` random bytes, new each time, beside one
 * file that stays the same), and returns the new restic snapshot's full id.
 */
export async function backUpFreshData(repo: LocalRepository, dir: string, bytes: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  const common = path.join(dir, "common.bin");
  const exists = await stat(common).then(
    () => true,
    () => false,
  );
  if (!exists) await writeFile(common, randomBytes(64 * 1024));
  await writeFile(path.join(dir, "fresh.bin"), randomBytes(bytes));
  await restic(repo, ["backup", "--host", "kss-test", "--quiet", dir]);
  const [latest] = (await snapshotIds(repo)).slice(-1);
  if (!latest) throw new Error(`no snapshot in ${repo.dir} after a backup`);
  return latest;
}

/** Full ids of the repository's snapshots, oldest first (`restic snapshots --json`). */
export async function snapshotIds(repo: LocalRepository): Promise<string[]> {
  const list = JSON.parse(await restic(repo, ["snapshots", "--json"])) as Array<{ id: string; time: string }>;
  return list.sort((a, b) => (a.time < b.time ? -1 : 1)).map((s) => s.id);
}

/** `restic stats --mode raw-data`: the bytes the repository stores for its snapshots. */
export async function rawDataSize(repo: LocalRepository): Promise<number> {
  const stats = JSON.parse(await restic(repo, ["stats", "--mode", "raw-data", "--json"])) as {
    total_size: number;
  };
  return stats.total_size;
}

/** Bytes of the repository's files on disk. */
export async function sizeOnDisk(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}
