import type { LazyCliCommand } from "../command.ts";

/**
 * Every `kss` command, in the order `kss --help` lists them. A new command is one file and one entry here.
 * Each is loaded only when it runs (or its help is asked for), so `kss --help` and `kss validate` start
 * without the modules the cluster and bus commands import (@kubernetes/client-node, the AWS SDK). The
 * summary is the command's own (test/unit/cli/commands-index.test.ts keeps them equal).
 */
export const COMMANDS: readonly LazyCliCommand[] = [
  {
    path: ["validate"],
    summary: "check KubeStash manifests as the API server and KubeStash would (schema, metadata, cron, …)",
    load: async () => (await import("./validate.ts")).validateCommand,
  },
  {
    path: ["retention", "plan"],
    summary: "show which Snapshots a RetentionPolicy keeps and prunes, and why (dry run)",
    load: async () => (await import("./retention-plan.ts")).retentionPlanCommand,
  },
  {
    path: ["schedule", "next"],
    summary: "show the next scheduled times of each session of BackupConfigurations in a file",
    load: async () => (await import("./schedule-next.ts")).scheduleNextCommand,
  },
  {
    path: ["schedule", "due"],
    summary: "tell whether a cron schedule is due now, given the time of its last run",
    load: async () => (await import("./schedule-due.ts")).scheduleDueCommand,
  },
  {
    path: ["trigger"],
    summary: "ask for a backup now (sends a Backup Trigger Requested event)",
    load: async () => (await import("./trigger.ts")).triggerCommand,
  },
  {
    path: ["retries"],
    summary: "show the retry chains (original → retries) of a BackupConfiguration's sessions",
    load: async () => (await import("./retries.ts")).retriesCommand,
  },
  {
    path: ["verify", "history"],
    summary: "show a BackupConfiguration's backup verifications, newest first (Snapshot, phase, reason)",
    load: async () => (await import("./verify-history.ts")).verifyHistoryCommand,
  },
  {
    path: ["apply"],
    summary:
      "roll out BackupConfigurations, RetentionPolicies, BackupStorages, Repositories to many clusters",
    load: async () => (await import("./apply.ts")).applyCommand,
  },
  {
    path: ["fleet"],
    summary:
      "show every cluster's backups: last success, RPO, running, failed, overdue (exit 1 when overdue/unreachable)",
    load: async () => (await import("./fleet.ts")).fleetCommand,
  },
  {
    path: ["coverage"],
    summary: "list the namespaces, PVCs and workloads no BackupConfiguration covers (exit 1 when any)",
    load: async () => (await import("./coverage.ts")).coverageCommand,
  },
  {
    path: ["pause"],
    summary: "pause BackupConfigurations across clusters (spec.paused), recording who, why and when",
    load: async () => (await import("./pause.ts")).pauseCommand,
  },
  {
    path: ["resume"],
    summary: "resume paused BackupConfigurations across clusters; missed times are not made up",
    load: async () => (await import("./pause.ts")).resumeCommand,
  },
  {
    path: ["migrate"],
    summary:
      "after uninstalling the KubeStash operator: remove its leftovers and adopt its sessions (--dry-run)",
    load: async () => (await import("./migrate.ts")).migrateCommand,
  },
];
