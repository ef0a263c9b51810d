/** KubeStash objects as plain JSON, for tests of manifest validation: valid unless a test changes them. */

export type Json = Record<string, unknown>;

export const jobTemplate = { backoffLimit: 1, template: {} };

export function session(name: string, extra: Json = {}): Json {
  return {
    name,
    scheduler: { schedule: "0 * * * *", jobTemplate },
    repositories: [{ name: `${name}-repo`, backend: "s3-backend", directory: `/${name}` }],
    addon: { name: "workload-addon", tasks: [{ name: "logical-backup", params: { paths: "/data" } }] },
    ...extra,
  };
}

export function backupConfiguration(spec: Json = {}, name = "sample"): Json {
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupConfiguration",
    metadata: { name, namespace: "demo" },
    spec: {
      target: { apiGroup: "apps", kind: "Deployment", name: "app" },
      backends: [
        { name: "s3-backend", storageRef: { name: "s3-storage" }, retentionPolicy: { name: "keep-week" } },
      ],
      sessions: [session("hourly")],
      ...spec,
    },
  };
}

export const storageObject = (
  kind: "RetentionPolicy" | "BackupStorage",
  name: string,
  namespace = "demo",
): Json => ({
  apiVersion: "storage.kubestash.com/v1alpha1",
  kind,
  metadata: { name, namespace },
  spec: kind === "BackupStorage" ? { storage: { provider: "s3", s3: { bucket: "b" } } } : {},
});
