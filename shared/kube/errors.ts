import { KssError } from "../model/errors.ts";

/**
 * What can go wrong talking to a Kubernetes API server, as a small typed family. Raw client or HTTP errors
 * never leave the adapter; each carries the cluster id and keeps the original as `cause`.
 */
export class KubeError extends KssError {
  constructor(
    message: string,
    readonly clusterId: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`[${clusterId}] ${message}`, options);
  }
}

export class NotFoundError extends KubeError {}
export class AlreadyExistsError extends KubeError {}
/** 409 on a stale resourceVersion, or a failed precondition (uid) on delete. */
export class ConflictError extends KubeError {}
/** 401 or 403: the identity may not do this (RBAC), or is not recognised. */
export class ForbiddenError extends KubeError {}
/** Unreachable, timed out, 429 or 5xx after bounded retries: try again later. */
export class UnavailableError extends KubeError {}

/** A field the server rejected, as its `Status.details.causes` names it. */
export interface FieldCause {
  field?: string;
  reason?: string;
  message?: string;
}

/** 400/422: the object is invalid (CRD validation, bad patch); `causes` name the fields. */
export class InvalidError extends KubeError {
  constructor(
    message: string,
    clusterId: string,
    status: number,
    readonly causes: FieldCause[],
    options?: { cause?: unknown },
  ) {
    super(message, clusterId, status, options);
  }
}

/** The `Status` object the API server returns with an error. */
export interface KubeStatus {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: FieldCause[] };
}

/** Maps an error answer of the API server to the typed family. */
export function errorFromStatus(
  clusterId: string,
  httpStatus: number,
  body: KubeStatus | undefined,
): KubeError {
  const message = body?.message ?? `HTTP ${httpStatus}`;
  switch (true) {
    case httpStatus === 404:
      return new NotFoundError(message, clusterId, httpStatus);
    case httpStatus === 409 && body?.reason === "AlreadyExists":
      return new AlreadyExistsError(message, clusterId, httpStatus);
    case httpStatus === 409:
      return new ConflictError(message, clusterId, httpStatus);
    case httpStatus === 401 || httpStatus === 403:
      return new ForbiddenError(message, clusterId, httpStatus);
    case httpStatus === 400 || httpStatus === 422:
      return new InvalidError(message, clusterId, httpStatus, body?.details?.causes ?? []);
    case httpStatus === 429 || httpStatus >= 500:
      return new UnavailableError(message, clusterId, httpStatus);
    default:
      return new KubeError(message, clusterId, httpStatus);
  }
}
