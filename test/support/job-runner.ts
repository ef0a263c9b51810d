import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { KubeClient } from "../../shared/kube/client.ts";
import { NotFoundError } from "../../shared/kube/errors.ts";
import { type Job, toKubeTime } from "../../shared/model/index.ts";
import { IMAGE_PROGRAMS, type ImageProgram, parseImage } from "./job-runner-images.ts";

/**
 * Plays the kubelet and the Job controller for one Job of the test control plane (which runs neither): reads
 * the Job back from the API server, runs its Pod on this machine — init containers one after another, then the
 * containers together — each as the local program that stands for its image (job-runner-images.ts; any other
 * image is refused), with the env the kubelet would give it (values with `$(VAR)`, Secrets and ConfigMaps read
 * from the API server, fieldRefs), its volumeMounts mapped to local folders (emptyDir and Secret volumes made
 * fresh, hostPath the path itself unless mapped, anything else mapped by volume name) and its uid/gid; then
 * writes the Job's status as kube-controller-manager's Job controller does (v1.37 pkg/controller/job):
 * startTime, active/ready/terminating, the pod first in uncountedTerminatedPods with the interim condition
 * (SuccessCriteriaMet or FailureTarget), then the count and the final condition (Complete with completionTime,
 * or Failed), reasons CompletionsReached, BackoffLimitExceeded or DeadlineExceeded with the controller's messages.
 * A failed Pod within `backoffLimit` (default 6) is counted in `failed` and replaced by a new Pod, as the
 * controller does, without its back-off delay.
 *
 * Container paths are mapped by rewriting the mount paths found at the start of an argument or env value, or
 * after `:` / `=` (there is no mount namespace). PATH inside a container holds only the image's programs: each
 * entry outside the container's volumes becomes a per-container folder of links named after the table's
 * programs (job-runner-images.ts), so `sh -c` scripts find those and nothing else of this machine; entries in
 * a volume are mapped. Not played: Pod objects, Events, probes, restarts (restartPolicy other than Never is
 * refused), parallelism/completions above 1, the TTL controller, the image's WORKDIR.
 */

export interface JobRunnerOptions {
  /** An identity that may read Secrets/ConfigMaps and write Job status (the test admin). */
  client: KubeClient;
  images?: ReadonlyArray<ImageProgram>;
  /** Volume name → local folder, for volumes the runner cannot make (PVC, NFS, …) or to redirect a hostPath. */
  volumes?: Record<string, string>;
  /** hostPath → local folder (default: the hostPath itself, this machine being the node). */
  hostPaths?: Record<string, string>;
  now?: () => Date;
}

export interface ContainerRun {
  name: string;
  init: boolean;
  /** The command as it ran here (local program, mapped paths). */
  argv: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Which Pod of the Job ran it: 1, then 2, … after a failed Pod within the backoffLimit. */
  attempt: number;
}

export interface JobRun {
  /** The Job as written back, with its final status (or still active when the Pod could not start). */
  job: Job;
  pod: { phase: "Succeeded" | "Failed" | "Pending"; reason?: string };
  containers: ContainerRun[];
}

type Obj = Record<string, unknown>;
type Container = Obj & { name: string; image: string; command?: string[]; args?: string[] };
interface Mount {
  containerPath: string;
  local: string;
}
class PodPending extends Error {}

export async function runJob(options: JobRunnerOptions, namespace: string, name: string): Promise<JobRun> {
  const { client } = options;
  const now = options.now ?? (() => new Date());
  let job = await client.get("Job", namespace, name);
  const podSpec = (job.spec.template as { spec?: Obj }).spec ?? {};
  if ((podSpec.restartPolicy ?? "Always") !== "Never")
    throw new Error(`Job ${name}: only restartPolicy Never is played`);
  const spec = job.spec as Obj;
  if (spec.suspend === true || Number(spec.parallelism ?? 1) !== 1 || Number(spec.completions ?? 1) !== 1)
    throw new Error(`Job ${name}: only unsuspended Jobs of one Pod are played`);
  if (
    job.status?.conditions?.some((c) => c.status === "True" && (c.type === "Complete" || c.type === "Failed"))
  )
    throw new Error(`Job ${name} has finished already`);

  // Refuse before anything is written: every image must be one this machine can play.
  const all = [
    ...((podSpec.initContainers as Container[] | undefined) ?? []),
    ...((podSpec.containers as Container[] | undefined) ?? []),
  ];
  for (const container of all) await imageOf(options, container);

  const writeStatus = async (status: Obj) => {
    job = await client.replaceStatus("Job", { ...job, status: { ...job.status, ...status } } as Job);
  };
  const startTime = toKubeTime(now());
  await writeStatus({ startTime, active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} });

  // On the machine's clock (the processes run on it), whatever `now` says for the status.
  const deadline =
    typeof spec.activeDeadlineSeconds === "number"
      ? Date.now() + spec.activeDeadlineSeconds * 1000
      : undefined;
  const backoffLimit = typeof spec.backoffLimit === "number" ? spec.backoffLimit : 6;
  const labels =
    (job.spec.template as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {};
  const runs: ContainerRun[] = [];
  let failedPods = 0;
  let outcome: PodOutcome;
  for (let attempt = 1; ; attempt++) {
    const pod = {
      name: `${name}-${randomBytes(3).toString("hex").slice(0, 5)}`,
      uid: randomUUID(),
      namespace,
    };
    const played = await runPod({ options, podSpec, pod, deadline, labels, attempt }, () =>
      writeStatus({ ready: 1 }),
    );
    runs.push(...played.runs);
    if (played.phase === "Pending") {
      // The kubelet keeps such a Pod waiting (CreateContainerConfigError, …): the Job stays active.
      return { job, pod: { phase: "Pending", reason: played.reason }, containers: runs };
    }
    outcome = { phase: played.phase, ...(played.reason ? { reason: played.reason } : {}), uid: pod.uid };
    if (played.phase === "Succeeded" || played.reason !== undefined || failedPods + 1 > backoffLimit) break;
    // A failed Pod within the backoffLimit: counted, then replaced by a new Pod (the back-off delay not played).
    failedPods += 1;
    await writeStatus({ active: 0, ready: 0, uncountedTerminatedPods: { failed: [pod.uid] } });
    await writeStatus({ failed: failedPods, active: 1, uncountedTerminatedPods: {} });
  }
  const { phase, reason } = outcome;

  const succeeded = phase === "Succeeded" && reason === undefined;
  const at = toKubeTime(now());
  const condition = (type: string, why: string, message: string) => ({
    type,
    status: "True",
    reason: why,
    message,
    lastProbeTime: at,
    lastTransitionTime: at,
  });
  const [why, message] = succeeded
    ? ["CompletionsReached", "Reached expected number of succeeded pods"]
    : reason === "DeadlineExceeded"
      ? ["DeadlineExceeded", "Job was active longer than specified deadline"]
      : ["BackoffLimitExceeded", "Job has reached the specified backoff limit"];
  const existing = job.status?.conditions ?? [];
  const interim = condition(succeeded ? "SuccessCriteriaMet" : "FailureTarget", why, message);
  await writeStatus({
    active: 0,
    ready: 0,
    terminating: 0,
    uncountedTerminatedPods: succeeded ? { succeeded: [outcome.uid] } : { failed: [outcome.uid] },
    conditions: [...existing, interim],
  });
  const final = condition(succeeded ? "Complete" : "Failed", why, message);
  await writeStatus({
    ...(succeeded ? { succeeded: 1, completionTime: at } : { failed: failedPods + 1 }),
    uncountedTerminatedPods: {},
    conditions: [...existing, interim, final],
  });
  return {
    job,
    pod: { phase: succeeded ? "Succeeded" : "Failed", ...(reason ? { reason } : {}) },
    containers: runs,
  };
}

interface PodContext {
  options: JobRunnerOptions;
  podSpec: Obj;
  pod: { name: string; uid: string; namespace: string };
  deadline: number | undefined;
  labels: Record<string, string>;
  attempt: number;
}

interface RunContext extends PodContext {
  volumes: Map<string, string>;
  scratchDirs: string[];
}

type PodOutcome = { phase: "Succeeded" | "Failed"; reason?: string; uid: string };

/** One Pod: init containers one after another, then the containers together; its scratch volumes end with it. */
async function runPod(
  pod: PodContext,
  onReady: () => Promise<void>,
): Promise<
  | { phase: "Succeeded" | "Failed"; reason?: string; runs: ContainerRun[] }
  | { phase: "Pending"; reason: string; runs: ContainerRun[] }
> {
  const runs: ContainerRun[] = [];
  const scratchDirs: string[] = [];
  const { podSpec } = pod;
  try {
    const volumes = await prepareVolumes(pod.options, podSpec, pod.pod.namespace, scratchDirs);
    const context: RunContext = { ...pod, volumes, scratchDirs };
    let phase: "Succeeded" | "Failed" = "Succeeded";
    for (const c of (podSpec.initContainers as Container[] | undefined) ?? []) {
      const result = await runContainer(context, c, true);
      runs.push(result);
      if (result.exitCode !== 0) {
        phase = "Failed";
        break;
      }
    }
    if (phase === "Succeeded") {
      const containers = (podSpec.containers as Container[] | undefined) ?? [];
      await onReady(); // every container started, no readiness probe: the Pod is Ready
      const results = await Promise.all(containers.map((c) => runContainer(context, c, false)));
      runs.push(...results);
      if (results.some((r) => r.exitCode !== 0)) phase = "Failed";
    }
    const reason = pod.deadline !== undefined && Date.now() > pod.deadline ? "DeadlineExceeded" : undefined;
    return { phase, ...(reason ? { reason } : {}), runs };
  } catch (error) {
    if (!(error instanceof PodPending)) throw error;
    return { phase: "Pending", reason: error.message, runs };
  } finally {
    // The Pod's emptyDir and Secret volumes end with it.
    await Promise.all(scratchDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

async function secretData(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    const secret = (await client.transport.request({
      method: "GET",
      path: `/api/v1/namespaces/${namespace}/secrets/${name}`,
    })) as { data?: Record<string, string> };
    return Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
    );
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

async function configMapData(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    const map = (await client.transport.request({
      method: "GET",
      path: `/api/v1/namespaces/${namespace}/configmaps/${name}`,
    })) as { data?: Record<string, string> };
    return map.data ?? {};
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

async function scratch(prefix: string, made: string[]): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `kss-pod-${prefix}-`));
  made.push(dir);
  await chmod(dir, 0o777); // as the kubelet makes an emptyDir
  return dir;
}

/** Each volume of the Pod as a local folder. */
async function prepareVolumes(
  options: JobRunnerOptions,
  podSpec: Obj,
  namespace: string,
  made: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const volume of (podSpec.volumes as Array<Obj & { name: string }> | undefined) ?? []) {
    const mapped = options.volumes?.[volume.name];
    if (mapped) {
      out.set(volume.name, mapped);
    } else if (volume.emptyDir) {
      out.set(volume.name, await scratch(volume.name, made));
    } else if (volume.hostPath) {
      const hostPath = volume.hostPath as { path: string; type?: string };
      const local = options.hostPaths?.[hostPath.path] ?? hostPath.path;
      if (hostPath.type === "DirectoryOrCreate") await mkdir(local, { recursive: true });
      out.set(volume.name, local);
    } else if (volume.secret || volume.configMap) {
      const source = (volume.secret ?? volume.configMap) as {
        secretName?: string;
        name?: string;
        items?: Array<{ key: string; path: string }>;
        optional?: boolean;
        defaultMode?: number;
      };
      const sourceName = source.secretName ?? source.name ?? "";
      const data = volume.secret
        ? await secretData(options.client, namespace, sourceName)
        : await configMapData(options.client, namespace, sourceName);
      if (!data && !source.optional)
        throw new PodPending(
          `volume ${volume.name}: ${volume.secret ? "Secret" : "ConfigMap"} ${sourceName} not found`,
        );
      const dir = await scratch(volume.name, made);
      const items = source.items ?? Object.keys(data ?? {}).map((key) => ({ key, path: key }));
      for (const item of items) {
        const value = data?.[item.key];
        if (value === undefined) {
          if (source.optional) continue;
          throw new PodPending(`volume ${volume.name}: key ${item.key} not found`);
        }
        await mkdir(path.dirname(path.join(dir, item.path)), { recursive: true });
        await writeFile(path.join(dir, item.path), value, { mode: source.defaultMode ?? 0o644 });
      }
      out.set(volume.name, dir);
    } else {
      throw new Error(`volume ${volume.name}: map it to a local folder (options.volumes)`);
    }
  }
  return out;
}

/** `$(VAR)` expanded from the env resolved so far, `$$` kept as `$`, as the kubelet does. */
function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) =>
    name === undefined ? "$" : (env[name] ?? all),
  );
}

async function resolveEnv(context: RunContext, container: Container): Promise<Record<string, string>> {
  const { client } = context.options;
  const ns = context.pod.namespace;
  const env: Record<string, string> = {};
  for (const from of (container.envFrom as Array<Obj> | undefined) ?? []) {
    const ref = (from.secretRef ?? from.configMapRef) as { name: string; optional?: boolean };
    const data = from.secretRef
      ? await secretData(client, ns, ref.name)
      : await configMapData(client, ns, ref.name);
    if (!data && !ref.optional) throw new PodPending(`CreateContainerConfigError: ${ref.name} not found`);
    for (const [k, v] of Object.entries(data ?? {}))
      env[`${(from.prefix as string | undefined) ?? ""}${k}`] = v;
  }
  for (const entry of (container.env as
    | Array<{ name: string; value?: string; valueFrom?: Obj }>
    | undefined) ?? []) {
    if (entry.valueFrom === undefined) {
      env[entry.name] = expand(entry.value ?? "", env);
      continue;
    }
    const { secretKeyRef, configMapKeyRef, fieldRef } = entry.valueFrom as Record<
      string,
      { name?: string; key?: string; optional?: boolean; fieldPath?: string } | undefined
    >;
    const keyRef = secretKeyRef ?? configMapKeyRef;
    if (keyRef) {
      const data = secretKeyRef
        ? await secretData(client, ns, keyRef.name ?? "")
        : await configMapData(client, ns, keyRef.name ?? "");
      const value = data?.[keyRef.key ?? ""];
      if (value === undefined) {
        if (keyRef.optional) continue;
        throw new PodPending(
          `CreateContainerConfigError: ${secretKeyRef ? "secret" : "configmap"} ${keyRef.name} key ${keyRef.key} not found`,
        );
      }
      env[entry.name] = value;
    } else if (fieldRef) {
      const fields: Record<string, string> = {
        "metadata.name": context.pod.name,
        "metadata.namespace": ns,
        "metadata.uid": context.pod.uid,
        "spec.serviceAccountName": (context.podSpec.serviceAccountName as string | undefined) ?? "default",
      };
      const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldRef.fieldPath ?? "")?.[1];
      const value = label !== undefined ? context.labels[label] : fields[fieldRef.fieldPath ?? ""];
      if (value === undefined)
        throw new Error(`env ${entry.name}: fieldRef ${fieldRef.fieldPath} is not played`);
      env[entry.name] = value;
    } else {
      throw new Error(`env ${entry.name}: only value, secretKeyRef, configMapKeyRef and fieldRef are played`);
    }
  }
  return env;
}

function mapPaths(text: string, mounts: ReadonlyArray<Mount>): string {
  if (mounts.length === 0) return text;
  // One pass over all mount paths, the longest first, so a mapped path is never mapped again.
  const alternatives = mounts.map((m) => m.containerPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const pattern = new RegExp(`(^|[:=])(${alternatives})(?=/|$)`, "g");
  return text.replace(pattern, (_all, lead: string, mounted: string) => {
    const mount = mounts.find((m) => m.containerPath === mounted);
    return `${lead}${mount?.local ?? mounted}`;
  });
}

/** The table entry that plays the container's image; throws for an image or tag it cannot stand in for. */
async function imageOf(options: JobRunnerOptions, container: Container): Promise<ImageProgram> {
  const { repository, tag } = parseImage(container.image);
  const image = (options.images ?? IMAGE_PROGRAMS).find((i) => i.repository === repository);
  if (!image)
    throw new Error(
      `container ${container.name}: image ${container.image} has no local program (job-runner-images.ts)`,
    );
  await image.checkTag?.(tag);
  return image;
}

async function runContainer(context: RunContext, container: Container, init: boolean): Promise<ContainerRun> {
  const image = await imageOf(context.options, container);
  const { repository } = parseImage(container.image);
  const env = await resolveEnv(context, container);
  const command = container.command?.length ? container.command : image.entrypoint;
  const args = container.command?.length
    ? (container.args ?? [])
    : container.args
      ? container.args
      : (image.cmd ?? []);
  const argv = [...command, ...args].map((a) => expand(a, env));
  const [program = "", ...rest] = argv;
  const inImage = program.includes("/")
    ? program
    : Object.keys(image.programs).find((p) => path.posix.basename(p) === program);
  const local = inImage ? image.programs[inImage] : undefined;
  if (!local)
    throw new Error(
      `container ${container.name}: ${program} is not a program of ${repository} this runner plays`,
    );

  const mounts: Mount[] = (
    (container.volumeMounts as Array<{ name: string; mountPath: string; subPath?: string }> | undefined) ?? []
  )
    .map((m) => {
      const base = context.volumes.get(m.name);
      if (!base) throw new Error(`container ${container.name}: volumeMount ${m.name} names no volume`);
      return { containerPath: m.mountPath.replace(/\/+$/, ""), local: path.join(base, m.subPath ?? "") };
    })
    .sort((a, b) => b.containerPath.length - a.containerPath.length);
  const security = {
    ...((context.podSpec.securityContext as Obj | undefined) ?? {}),
    ...((container.securityContext as Obj | undefined) ?? {}),
  };
  const uid = typeof security.runAsUser === "number" ? security.runAsUser : 0;
  const gid =
    typeof security.runAsGroup === "number" ? security.runAsGroup : (image.primaryGroups?.[uid] ?? 0);
  if (security.runAsNonRoot === true && uid === 0)
    throw new PodPending("CreateContainerConfigError: container has runAsNonRoot and image will run as root");
  const self = process.getuid?.() ?? 0;
  if (self !== 0 && uid !== self)
    throw new Error(`container ${container.name} runs as uid ${uid}: the runner needs root to switch to it`);

  const processEnv: Record<string, string> = { ...image.env, HOSTNAME: context.pod.name };
  for (const [k, v] of Object.entries(env)) processEnv[k] = mapPaths(v, mounts);
  processEnv.PATH = await imagePath(context, image, env.PATH ?? image.env?.PATH, mounts);
  const cwd =
    typeof container.workingDir === "string"
      ? mapPaths(container.workingDir, mounts)
      : await scratch("root", context.scratchDirs);
  const mappedArgs = rest.map((a) => mapPaths(a, mounts));
  const timeout = context.deadline === undefined ? undefined : Math.max(context.deadline - Date.now(), 1);
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(local, mappedArgs, {
        env: processEnv,
        cwd,
        ...(self === 0 ? { uid, gid } : {}),
        stdio: ["ignore", "pipe", "pipe"],
        ...(timeout ? { timeout, killSignal: "SIGKILL" } : {}),
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    },
  );
  return {
    name: container.name,
    init,
    argv: [local, ...mappedArgs],
    exitCode: result.code,
    stdout: result.stdout,
    stderr: result.stderr,
    attempt: context.attempt,
  };
}

/**
 * The container's PATH here: a folder of links named after the image's programs (`rclone` → the local
 * rclone) for each entry that is the image's, the mapped folder for an entry in one of its volumes. A script
 * then finds the programs the table vouches for and no other program of this machine.
 */
async function imagePath(
  context: RunContext,
  image: ImageProgram,
  containerPath: string | undefined,
  mounts: ReadonlyArray<Mount>,
): Promise<string> {
  const bin = await mkdtemp(path.join(os.tmpdir(), "kss-pod-bin-"));
  context.scratchDirs.push(bin);
  await chmod(bin, 0o755); // the container's user must reach it
  const linked = new Set<string>();
  for (const [inImage, local] of Object.entries(image.programs)) {
    const name = path.posix.basename(inImage);
    if (linked.has(name)) continue; // `rclone` and `/usr/local/bin/rclone` are one program
    linked.add(name);
    await symlink(local, path.join(bin, name));
  }
  const entries = (containerPath ?? "").split(":").filter((e) => e !== "");
  const local = entries.map((e) => {
    const mapped = mapPaths(e, mounts);
    return mapped === e ? bin : mapped;
  });
  return [...new Set(local.length > 0 ? local : [bin])].join(":");
}
