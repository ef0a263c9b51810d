import { type FieldIssue, issuesFromZod } from "../model/errors.ts";
import { RESOURCE_KINDS, type ResourceKind, resourceKindOf } from "../model/index.ts";
import { indexObjectsInFile, isRecord, type ObjectsInFile, stringField } from "./manifest-references.ts";
import { semanticIssues } from "./manifest-rules.ts";
import { unknownFields } from "./unknown-fields.ts";

/**
 * What `kss validate` says about each object of a manifest file, before anything reaches a cluster:
 * its schema (every bad field by path), fields the CRD does not know (as `kubectl apply --validate=strict`
 * would reject them), and the rules of manifest-rules.ts. Pure: the objects in, one report per object out.
 */

export interface ManifestReport {
  /** Position of the object in the list given (0-based). */
  index: number;
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  valid: boolean;
  errors: FieldIssue[];
}

const KNOWN_KINDS = Object.values(RESOURCE_KINDS)
  .map((k) => k.kind)
  .join(", ");

function unknownKindIssue(apiVersion: string | undefined, kind: string | undefined): FieldIssue {
  if (kind === undefined) return { path: "kind", message: "kind is required" };
  const sameName = Object.values(RESOURCE_KINDS).find((k) => k.kind === kind);
  const version = apiVersion === undefined ? "no apiVersion" : `apiVersion "${apiVersion}"`;
  if (sameName !== undefined) {
    return {
      path: "kind",
      message: `no kind "${kind}" in ${version} (use apiVersion ${sameName.apiVersion})`,
    };
  }
  return { path: "kind", message: `no kind "${kind}" in ${version}; kss validates ${KNOWN_KINDS}` };
}

function objectIssues(
  object: Record<string, unknown>,
  resource: ResourceKind,
  file: ObjectsInFile,
): FieldIssue[] {
  const parsed = resource.schema.safeParse(object);
  return [
    ...(parsed.success ? [] : issuesFromZod(parsed.error)),
    ...unknownFields(resource.schema, object),
    ...semanticIssues(resource.kind, object, file),
  ];
}

function validateManifest(object: unknown, index: number, file: ObjectsInFile): ManifestReport {
  if (!isRecord(object)) {
    const message = "expected a Kubernetes object (a mapping with apiVersion, kind and metadata)";
    return { index, valid: false, errors: [{ path: "", message }] };
  }
  const apiVersion = stringField(object, "apiVersion");
  const kind = stringField(object, "kind");
  const namespace = stringField(object.metadata, "namespace");
  const name = stringField(object.metadata, "name");
  const head = {
    index,
    ...(apiVersion !== undefined && { apiVersion }),
    ...(kind !== undefined && { kind }),
    ...(namespace !== undefined && { namespace }),
    ...(name !== undefined && { name }),
  };
  const resource = resourceKindOf(apiVersion, kind);
  const errors =
    resource === undefined ? [unknownKindIssue(apiVersion, kind)] : objectIssues(object, resource, file);
  return { ...head, valid: errors.length === 0, errors };
}

/** One report per object, in order. References are checked against the other objects of the same list. */
export function validateManifests(objects: readonly unknown[]): ManifestReport[] {
  const file = indexObjectsInFile(objects);
  return objects.map((object, index) => validateManifest(object, index, file));
}
