import { execFile } from "node:child_process";
import { promisify } from "node:util";

/**
 * The images the test Job runner (job-runner.ts) can play, because the image's program is on this machine.
 * Each entry says what the container runtime would take from the image — ENTRYPOINT, CMD, ENV, the primary
 * group of a uid — and which local executable stands for each program path inside the image. A command whose
 * program is not in `programs` is refused, so a Job can never run something the table does not vouch for.
 *
 * Inside the container the runner puts on PATH only the table's programs (job-runner.ts), so a shell script
 * the image runs finds exactly these too.
 *
 * To add an image: append an entry to {@link IMAGE_PROGRAMS} or pass `images` to the runner, with a `checkTag`
 * that refuses a tag the local program does not match.
 */

export interface ImageProgram {
  /** The image's repository as Docker Hub names it, without registry and tag: `restic/restic`. */
  repository: string;
  /** The image's ENTRYPOINT and CMD, used as the kubelet does when the container sets no command / args. */
  entrypoint: string[];
  cmd?: string[];
  /** The image's ENV (the container's `env` comes after it). */
  env?: Record<string, string>;
  /** Program paths inside the image (absolute, or a name found on the image's PATH) → local executables. */
  programs: Record<string, string>;
  /** The image's /etc/passwd: uid → primary gid, for `runAsUser` without `runAsGroup` (default 0). */
  primaryGroups?: Record<number, number>;
  /** Throws when the local program is not what `tag` names (another release): the run would prove nothing. */
  checkTag?(tag: string | undefined): Promise<void>;
}

const run = promisify(execFile);

/** The restic release on this machine (Debian's package), e.g. "0.14.0". */
export async function localResticVersion(executable = "/usr/bin/restic"): Promise<string> {
  const { stdout } = await run(executable, ["version"]);
  const match = /^restic (\d+\.\d+\.\d+)/.exec(stdout.trim());
  if (!match?.[1]) throw new Error(`cannot read the restic version from "${stdout.trim()}"`);
  return match[1];
}

/** restic's official image: Alpine with /usr/bin/restic as ENTRYPOINT (restic's docker/Dockerfile). */
export const RESTIC_IMAGE: ImageProgram = {
  repository: "restic/restic",
  entrypoint: ["/usr/bin/restic"],
  env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
  programs: { "/usr/bin/restic": "/usr/bin/restic" },
  primaryGroups: { 0: 0, 65534: 65534 },
  async checkTag(tag) {
    const local = await localResticVersion();
    if (tag !== local) {
      throw new Error(
        `image restic/restic:${tag ?? "(no tag)"} is not the restic on this machine (${local}): refusing to stand in for it`,
      );
    }
  },
};

/** The rclone release on this machine (Debian's package prints "rclone v1.60.1-DEV"), e.g. "1.60.1". */
export async function localRcloneVersion(executable = "/usr/bin/rclone"): Promise<string> {
  const { stdout } = await run(executable, ["version"]);
  const match = /^rclone v(\d+\.\d+\.\d+)/.exec(stdout.trim());
  if (!match?.[1]) throw new Error(`cannot read the rclone version from "${stdout.trim().split("\n")[0]}"`);
  return match[1];
}

/**
 * rclone's official image (rclone's Dockerfile at v1.60.1): Alpine with ca-certificates, fuse and tzdata,
 * /usr/local/bin/rclone, `ENTRYPOINT ["rclone"]`, `ENV XDG_CONFIG_HOME=/config`, `WORKDIR /data` (not played:
 * the runner gives a fresh working directory), Alpine's PATH and busybox's /bin/sh; Alpine's /etc/passwd has
 * nobody as 65534:65534 (the image adds rclone as 1009:1009).
 */
export const RCLONE_IMAGE: ImageProgram = {
  repository: "rclone/rclone",
  entrypoint: ["rclone"],
  env: {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    XDG_CONFIG_HOME: "/config",
  },
  programs: { "/usr/local/bin/rclone": "/usr/bin/rclone", "/bin/sh": "/bin/sh" },
  primaryGroups: { 0: 0, 1009: 1009, 65534: 65534 },
  async checkTag(tag) {
    const local = await localRcloneVersion();
    if (tag !== local) {
      throw new Error(
        `image rclone/rclone:${tag ?? "(no tag)"} is not the rclone on this machine (${local}): refusing to stand in for it`,
      );
    }
  },
};

export const IMAGE_PROGRAMS: ReadonlyArray<ImageProgram> = [RESTIC_IMAGE, RCLONE_IMAGE];

/** `[registry/]repository[:tag][@digest]` → Docker Hub's short repository name and the tag. */
export function parseImage(image: string): { repository: string; tag?: string } {
  const [withoutDigest = ""] = image.split("@");
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  const hasTag = colon > slash;
  let repository = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  repository = repository.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, "");
  repository = repository.replace(/^library\//, "");
  return { repository, ...(hasTag ? { tag: withoutDigest.slice(colon + 1) } : {}) };
}
