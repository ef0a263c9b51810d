import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { InvalidInputError } from "../model/errors.ts";
import {
  type KubeEvent,
  type ModeledKind,
  RESOURCE_KINDS,
  type ResourceOf,
  toKubeTime,
  tryParseWith,
} from "../model/index.ts";
import { AlreadyExistsError, ConflictError, KubeError, NotFoundError } from "./errors.ts";
import { collectionPath, objectPath } from "./paths.ts";
import type { KubeTransport, RequestStats } from "./transport.ts";

/**
 * Typed reads and writes of the kinds in the model, against one cluster. Every object that comes back is
 * parsed with its zod schema; writes are idempotent where Kubernetes lets them be (AlreadyExists of the same
 * logical object is success, status writes carry resourceVersion and re-read on Conflict, deletes carry a
 * uid precondition and treat NotFound as done).
 */

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; every page is fetched. */
  limit?: number;
}

/** An object the cluster holds that does not match our model: reported, not fatal to the rest of a list. */
export interface InvalidObject {
  namespace?: string;
  name: string;
  error: InvalidInputError;
  /** The object as the server sent it. */
  raw: unknown;
}

export interface ListResult<T> {
  items: T[];
  invalid: InvalidObject[];
  resourceVersion?: string;
}

export interface DeleteOptions {
  /** Only delete the object with this uid (never a newer one of the same name). */
  uid?: string;
  resourceVersion?: string;
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
}

export type PatchType = "merge" | "json" | "apply";
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

export interface PatchOptions {
  type?: PatchType;
  subresource?: "status";
  fieldManager?: string;
  /** Server-side apply only: take fields other managers own (else 409 ConflictError naming them). */
  force?: boolean;
  /** The server's dry run (`dryRun=All`): validated, defaulted and answered, but nothing is stored. */
  dryRun?: boolean;
}

export interface EventInput {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** Distinguishes events; the same key on the same object is recorded once. Default: reason + message. */
  key?: string;
}

type Meta = {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
};
type Statusful<K extends ModeledKind> = ResourceOf<K> & { status?: unknown };

/** Attempts of a status write that meets Conflicts, unless the caller says otherwise. */
const DEFAULT_STATUS_ATTEMPTS = 5;

/**
 * The one retry-on-Conflict loop: `attempt` reads what it decides on, decides, and writes with the
 * resourceVersion of what it read; a 409 Conflict (what it read was stale, or a precondition failed) runs it
 * again from a fresh read, at most `maxAttempts` times in all, after which the Conflict escapes. Any other error
 * escapes at once. Used by {@link KubeClient.updateStatus} and by the use cases that read, decide and write a
 * whole world (reconcile-session, evaluate-failure).
 */
export async function retryOnConflict<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  maxAttempts: number,
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (!(error instanceof ConflictError) || attemptNumber >= maxAttempts) throw error;
    }
  }
}

export class KubeClient {
  constructor(
    readonly transport: KubeTransport,
    readonly component = "kubestash-serverless",
  ) {}

  get clusterId(): string {
    return this.transport.clusterId;
  }

  private parse<K extends ModeledKind>(kind: K, raw: unknown): ResourceOf<K> {
    const withKind = withTypeMeta(kind, raw);
    const meta = (withKind as { metadata?: Meta }).metadata;
    const result = tryParseWith(RESOURCE_KINDS[kind].schema, withKind, describe(kind, meta));
    if (!result.ok) throw result.error;
    return result.value as ResourceOf<K>;
  }

  async get<K extends ModeledKind>(
    kind: K,
    namespace: string | undefined,
    name: string,
  ): Promise<ResourceOf<K>> {
    const raw = await this.transport.request({ method: "GET", path: objectPath(kind, namespace, name) });
    return this.parse(kind, raw);
  }

  /** Like {@link get}, but `undefined` when the object does not exist. */
  async find<K extends ModeledKind>(
    kind: K,
    namespace: string | undefined,
    name: string,
  ): Promise<ResourceOf<K> | undefined> {
    try {
      return await this.get(kind, namespace, name);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /** Lists every page; objects that do not match the model are returned apart in `invalid`. */
  async list<K extends ModeledKind>(kind: K, options: ListOptions = {}): Promise<ListResult<ResourceOf<K>>> {
    const out: ListResult<ResourceOf<K>> = { items: [], invalid: [] };
    let continueToken: string | undefined;
    do {
      const page = (await this.transport.request({
        method: "GET",
        path: collectionPath(kind, options.namespace),
        query: {
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit: options.limit ?? 500,
          continue: continueToken,
        },
      })) as { items?: unknown[]; metadata?: { continue?: string; resourceVersion?: string } };
      for (const raw of page.items ?? []) {
        const withKind = withTypeMeta(kind, raw);
        const meta = (withKind as { metadata?: Meta }).metadata;
        const parsed = tryParseWith(RESOURCE_KINDS[kind].schema, withKind, describe(kind, meta));
        if (parsed.ok) out.items.push(parsed.value as ResourceOf<K>);
        else
          out.invalid.push({ namespace: meta?.namespace, name: meta?.name ?? "", error: parsed.error, raw });
      }
      continueToken = page.metadata?.continue || undefined;
      out.resourceVersion = page.metadata?.resourceVersion;
    } while (continueToken);
    return out;
  }

  /**
   * Creates the object. If one of that name exists already and is the same logical object (by default: the
   * desired labels and spec are contained in it), returns it with `created: false`; otherwise AlreadyExists.
   */
  async create<K extends ModeledKind>(
    kind: K,
    object: ResourceOf<K>,
    isSameObject: (existing: ResourceOf<K>) => boolean = (existing) => containsDesired(object, existing),
  ): Promise<{ object: ResourceOf<K>; created: boolean }> {
    const meta = (object as { metadata: Meta }).metadata;
    try {
      const raw = await this.transport.request({
        method: "POST",
        path: collectionPath(kind, meta.namespace),
        body: object,
      });
      return { object: this.parse(kind, raw), created: true };
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      const existing = await this.get(kind, meta.namespace, meta.name);
      if (isSameObject(existing)) return { object: existing, created: false };
      throw new AlreadyExistsError(
        `${describe(kind, meta)} exists and is a different object`,
        this.clusterId,
        409,
        { cause: error },
      );
    }
  }

  async patch<K extends ModeledKind>(
    kind: K,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options: PatchOptions = {},
  ): Promise<ResourceOf<K>> {
    const type = options.type ?? "merge";
    const raw = await this.transport.request({
      method: "PATCH",
      path: objectPath(kind, namespace, name, options.subresource),
      body: patch,
      contentType: PATCH_CONTENT_TYPE[type],
      query: {
        fieldManager: options.fieldManager ?? (type === "apply" ? this.component : undefined),
        force: options.force,
        dryRun: options.dryRun ? "All" : undefined,
      },
    });
    return this.parse(kind, raw);
  }

  /**
   * A merge patch whose answer is not parsed: for objects the model cannot read (to mark them Invalid).
   */
  async patchUnparsed(
    kind: ModeledKind,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    subresource?: "status",
  ): Promise<void> {
    await this.transport.request({
      method: "PATCH",
      path: objectPath(kind, namespace, name, subresource),
      body: patch,
      contentType: PATCH_CONTENT_TYPE.merge,
    });
  }

  /** Writes `object.status` with its resourceVersion as precondition: ConflictError if it changed meanwhile. */
  async replaceStatus<K extends ModeledKind>(kind: K, object: ResourceOf<K>): Promise<ResourceOf<K>> {
    const meta = (object as { metadata: Meta }).metadata;
    const raw = await this.transport.request({
      method: "PUT",
      path: objectPath(kind, meta.namespace, meta.name, "status"),
      body: object,
    });
    return this.parse(kind, raw);
  }

  /**
   * Reads the object, computes its next status with `decide` (undefined = nothing to do), writes it with the
   * resourceVersion it was computed from, and on Conflict reads and decides again (at most `maxAttempts`,
   * {@link retryOnConflict}). `known` is a copy the caller read moments ago (a LIST): the first attempt decides
   * on it and writes without a GET; a stale copy costs one Conflict, then the loop reads as usual.
   */
  async updateStatus<K extends ModeledKind>(
    kind: K,
    namespace: string | undefined,
    name: string,
    decide: (current: ResourceOf<K>) => Statusful<K>["status"] | undefined,
    options: { maxAttempts?: number; known?: ResourceOf<K> } = {},
  ): Promise<{ object: ResourceOf<K>; changed: boolean }> {
    let known = options.known;
    return retryOnConflict(async () => {
      const current = known ?? (await this.get(kind, namespace, name));
      known = undefined;
      const next = decide(current);
      const currentStatus = (current as Statusful<K>).status;
      if (next === undefined || statusUnchanged(next, currentStatus))
        return { object: current, changed: false };
      return {
        object: await this.replaceStatus(kind, { ...current, status: next } as ResourceOf<K>),
        changed: true,
      };
    }, options.maxAttempts ?? DEFAULT_STATUS_ATTEMPTS);
  }

  /** The object as the server sends it, not parsed: for objects the model may not read. */
  async getUnparsed(kind: ModeledKind, namespace: string | undefined, name: string): Promise<unknown> {
    return this.transport.request({ method: "GET", path: objectPath(kind, namespace, name) });
  }

  /**
   * {@link updateStatus} for an object the model may not read (to mark it Invalid): `decide` gets the object as
   * the server holds it and returns the status fields to set (undefined = nothing to do); they are written as a
   * merge patch of the status with the resourceVersion they were decided from, and only when they differ from
   * those fields as they are ({@link statusUnchanged}). On Conflict the object is read again (a GET, unparsed)
   * and decided again, at most `maxAttempts` times.
   */
  async updateUnparsedStatus(
    kind: ModeledKind,
    namespace: string | undefined,
    name: string,
    decide: (current: unknown) => object | undefined,
    options: { maxAttempts?: number; known?: unknown } = {},
  ): Promise<{ changed: boolean }> {
    let known = options.known;
    return retryOnConflict(async () => {
      const current = (known ?? (await this.getUnparsed(kind, namespace, name))) as
        | { metadata?: Meta; status?: Record<string, unknown> }
        | undefined;
      known = undefined;
      const next = decide(current);
      if (next === undefined) return { changed: false };
      const status = current?.status ?? {};
      // Only the fields written are compared: the merge patch leaves the others as they are.
      const before = Object.fromEntries(Object.keys(next).map((key) => [key, status[key]]));
      if (statusUnchanged(next, before)) return { changed: false };
      const resourceVersion = current?.metadata?.resourceVersion;
      await this.patchUnparsed(
        kind,
        namespace,
        name,
        { metadata: { resourceVersion }, status: next },
        "status",
      );
      return { changed: true };
    }, options.maxAttempts ?? DEFAULT_STATUS_ATTEMPTS);
  }

  /** What this client's requests have cost so far (requests, retries, bytes): for reports and tests. */
  get requestStats(): Readonly<RequestStats> {
    return this.transport.stats;
  }

  /** The API server's readiness check (`GET /readyz`, retried like any request): ok, or why not. */
  async health(): Promise<{ ok: true } | { ok: false; message: string }> {
    try {
      await this.transport.request({ method: "GET", path: "/readyz", accept: "text/plain" });
      return { ok: true };
    } catch (error) {
      if (error instanceof KubeError) return { ok: false, message: error.message };
      throw error;
    }
  }

  /** Deletes; `false` when it was already gone. A uid precondition that fails throws ConflictError. */
  async delete(
    kind: ModeledKind,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<boolean> {
    const preconditions =
      options.uid || options.resourceVersion
        ? { uid: options.uid, resourceVersion: options.resourceVersion }
        : undefined;
    try {
      await this.transport.request({
        method: "DELETE",
        path: objectPath(kind, namespace, name),
        body: {
          apiVersion: "v1",
          kind: "DeleteOptions",
          preconditions,
          propagationPolicy: options.propagationPolicy,
        },
      });
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  /**
   * Records a Kubernetes Event on an object (what `kubectl describe` shows). Its name is derived from the
   * object and the event's key, so a repeated call records it once.
   */
  async recordEvent(
    involved: { apiVersion: string; kind: string; metadata: Meta },
    event: EventInput,
    now: Date,
  ): Promise<void> {
    const key = event.key ?? `${event.reason}\n${event.message}`;
    const suffix = createHash("sha256")
      .update(`${involved.metadata.uid ?? ""}\n${key}`)
      .digest("hex")
      .slice(0, 16);
    const time = toKubeTime(now);
    const body: KubeEvent = {
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name: `${involved.metadata.name}.${suffix}`,
        namespace: involved.metadata.namespace ?? "default",
      },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: involved.metadata.name,
        namespace: involved.metadata.namespace,
        uid: involved.metadata.uid,
      },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      source: { component: this.component },
      reportingComponent: this.component,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    try {
      await this.transport.request({
        method: "POST",
        path: collectionPath("Event", body.metadata.namespace),
        body,
      });
    } catch (error) {
      // Already recorded: nothing to read back (and the functions may not read Events).
      if (!(error instanceof AlreadyExistsError)) throw error;
    }
  }
}

function withTypeMeta(kind: ModeledKind, raw: unknown): unknown {
  if (!raw || typeof raw !== "object") return raw;
  const { apiVersion, kind: kindName } = RESOURCE_KINDS[kind];
  return { apiVersion, kind: kindName, ...(raw as object) };
}

function describe(kind: ModeledKind, meta: Meta | undefined): string {
  const name = meta?.namespace ? `${meta.namespace}/${meta?.name}` : (meta?.name ?? "?");
  return `${kind} ${name}`;
}

/**
 * The one "status unchanged" test (docs/costs.md#writes-only-when-something-changed): equal as they will be on
 * the wire, where keys with undefined values do not exist. No write is made for an unchanged status.
 */
export function statusUnchanged(next: unknown, current: unknown): boolean {
  return isDeepStrictEqual(onTheWire(next), onTheWire(current ?? {}));
}

function onTheWire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? {})) as unknown;
}

/** True when every field the caller set in `desired` (labels and spec) has the same value in `existing`. */
export function containsDesired(desired: unknown, existing: unknown): boolean {
  const d = desired as { metadata?: Meta; spec?: unknown };
  const e = existing as { metadata?: Meta; spec?: unknown };
  return isSubset(d.metadata?.labels ?? {}, e.metadata?.labels ?? {}) && isSubset(d.spec ?? {}, e.spec ?? {});
}

function isSubset(part: unknown, whole: unknown): boolean {
  if (part === null || typeof part !== "object") return isDeepStrictEqual(part, whole);
  if (whole === null || typeof whole !== "object") return false;
  if (Array.isArray(part)) {
    return (
      Array.isArray(whole) && part.length === whole.length && part.every((p, i) => isSubset(p, whole[i]))
    );
  }
  return Object.entries(part).every(
    ([k, v]) => v === undefined || isSubset(v, (whole as Record<string, unknown>)[k]),
  );
}
