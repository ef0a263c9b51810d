import { structuralSchemaOf } from "./crd-schema.ts";
import { type ModeledKind, RESOURCE_KINDS } from "./index.ts";

/**
 * The project's own CustomResourceDefinitions for the KubeStash kinds it models, generated from the zod
 * model (docs/crds.md). Names, scope, short names, categories, printer columns and the status subresource
 * are KubeStash's (so `kubectl get` shows what KubeStash users know); the schema is the model's.
 * `npm run crds` writes them to infra/crds/; the test control plane and `npm start` install them.
 */

export interface PrinterColumn {
  name: string;
  type: "string" | "boolean" | "integer" | "date";
  jsonPath: string;
  format?: string;
}

interface CrdFacts {
  singular: string;
  shortNames?: string[];
  categories: string[];
  statusSubresource: boolean;
  printerColumns: PrinterColumn[];
}

const AGE: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };
const PHASE: PrinterColumn = { name: "Phase", type: "string", jsonPath: ".status.phase" };
const ALL = ["kubestash", "appscode", "all"];
/** Snapshots and retention policies are not in `kubectl get all` (KubeStash keeps them out). */
const NOT_IN_ALL = ["kubestash", "appscode"];

/** Per KubeStash kind we model: what its CRD says besides the schema. */
export const CRD_FACTS = {
  BackupConfiguration: {
    singular: "backupconfiguration",
    shortNames: ["bc"],
    categories: ALL,
    statusSubresource: true,
    printerColumns: [PHASE, { name: "Paused", type: "boolean", jsonPath: ".spec.paused" }, AGE],
  },
  BackupSession: {
    singular: "backupsession",
    categories: ALL,
    statusSubresource: true,
    printerColumns: [
      { name: "Invoker-Type", type: "string", jsonPath: ".spec.invoker.kind" },
      { name: "Invoker-Name", type: "string", jsonPath: ".spec.invoker.name" },
      PHASE,
      { name: "Duration", type: "string", jsonPath: ".status.duration" },
      AGE,
    ],
  },
  BackupVerifier: {
    singular: "backupverifier",
    categories: ALL,
    statusSubresource: false,
    printerColumns: [AGE],
  },
  BackupVerificationSession: {
    singular: "backupverificationsession",
    categories: ALL,
    statusSubresource: true,
    printerColumns: [PHASE, { name: "Duration", type: "string", jsonPath: ".status.duration" }, AGE],
  },
  RestoreSession: {
    singular: "restoresession",
    shortNames: ["restore"],
    categories: ALL,
    statusSubresource: true,
    printerColumns: [
      { name: "Repository", type: "string", jsonPath: ".spec.dataSource.repository" },
      PHASE,
      { name: "Duration", type: "string", jsonPath: ".status.duration" },
      AGE,
    ],
  },
  HookTemplate: {
    singular: "hooktemplate",
    categories: ALL,
    statusSubresource: false,
    printerColumns: [
      { name: "Executor", type: "string", jsonPath: ".spec.executor.type" },
      { name: "Timeout", type: "string", jsonPath: ".spec.timeout" },
      AGE,
    ],
  },
  Snapshot: {
    singular: "snapshot",
    categories: NOT_IN_ALL,
    statusSubresource: true,
    printerColumns: [
      { name: "Repository", type: "string", jsonPath: ".spec.repository" },
      { name: "Session", type: "string", jsonPath: ".spec.session" },
      { name: "Snapshot-Time", type: "string", jsonPath: ".status.snapshotTime" },
      { name: "Deletion-Policy", type: "string", jsonPath: ".spec.deletionPolicy" },
      PHASE,
      AGE,
    ],
  },
  Repository: {
    singular: "repository",
    shortNames: ["repo"],
    categories: ALL,
    statusSubresource: true,
    printerColumns: [
      { name: "Integrity", type: "boolean", jsonPath: ".status.integrity" },
      { name: "Snapshot-Count", type: "integer", jsonPath: ".status.snapshotCount" },
      { name: "Size", type: "string", jsonPath: ".status.size" },
      PHASE,
      {
        name: "Last-Successful-Backup",
        type: "date",
        jsonPath: ".status.lastBackupTime",
        format: "date-time",
      },
      AGE,
    ],
  },
  RetentionPolicy: {
    singular: "retentionpolicy",
    categories: NOT_IN_ALL,
    statusSubresource: false,
    printerColumns: [
      { name: "Max-Retention-Period", type: "string", jsonPath: ".spec.maxRetentionPeriod" },
      { name: "Default", type: "boolean", jsonPath: ".spec.default" },
      AGE,
    ],
  },
  BackupStorage: {
    singular: "backupstorage",
    categories: ALL,
    statusSubresource: true,
    printerColumns: [
      { name: "Provider", type: "string", jsonPath: ".spec.storage.provider" },
      { name: "Default", type: "boolean", jsonPath: ".spec.default" },
      { name: "Deletion-Policy", type: "string", jsonPath: ".spec.deletionPolicy" },
      { name: "Total-Size", type: "string", jsonPath: ".status.totalSize" },
      PHASE,
      AGE,
    ],
  },
  Addon: { singular: "addon", categories: ALL, statusSubresource: false, printerColumns: [AGE] },
  Function: {
    singular: "function",
    shortNames: ["fn"],
    categories: ALL,
    statusSubresource: false,
    printerColumns: [AGE],
  },
} satisfies Partial<Record<ModeledKind, CrdFacts>>;

export type CrdKind = keyof typeof CRD_FACTS;
export const CRD_KINDS = Object.keys(CRD_FACTS) as CrdKind[];

/** A CustomResourceDefinition as plain data (apiextensions.k8s.io/v1), ready to serialise. */
export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories: string[];
    };
    scope: "Namespaced" | "Cluster";
    versions: Array<{
      name: string;
      served: true;
      storage: true;
      schema: { openAPIV3Schema: ReturnType<typeof structuralSchemaOf> };
      subresources?: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
    }>;
  };
}

/** The CRD of one modeled KubeStash kind. */
export function customResourceDefinition(kind: CrdKind): CustomResourceDefinition {
  const resource = RESOURCE_KINDS[kind];
  const facts: CrdFacts = CRD_FACTS[kind];
  const [group = "", version = ""] = resource.apiVersion.split("/");
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${resource.plural}.${group}`,
      labels: {
        "app.kubernetes.io/name": "kubestash",
        "app.kubernetes.io/managed-by": "kubestash-serverless",
      },
    },
    spec: {
      group,
      names: {
        kind,
        listKind: `${kind}List`,
        plural: resource.plural,
        singular: facts.singular,
        ...(facts.shortNames ? { shortNames: facts.shortNames } : {}),
        categories: facts.categories,
      },
      scope: resource.namespaced ? "Namespaced" : "Cluster",
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: structuralSchemaOf(resource.schema) },
          ...(facts.statusSubresource ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: facts.printerColumns,
        },
      ],
    },
  };
}

/** File name for a CRD, as KubeStash names theirs: `<group>_<plural>.yaml`. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}
