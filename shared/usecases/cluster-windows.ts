import type { WindowContext } from "../decide/schedule/schedule-windows.ts";
import type { KubeClient } from "../kube/client.ts";
import type { ClusterClients } from "../kube/cluster-clients.ts";
import { parseStartWindow } from "../model/schedule-windows.ts";

/** The registry entry's exclusion windows, their default zone and start window (docs/windows.md#where-windows-come-from). */
export function clusterWindows(
  entry: ReturnType<ClusterClients["cluster"]>["entry"],
): Omit<WindowContext, "namespaceLabels"> {
  const start = entry?.startWindow ? parseStartWindow(entry.startWindow) : undefined;
  return {
    ...(entry?.exclusionWindows?.length ? { clusterWindows: entry.exclusionWindows } : {}),
    ...(entry?.timeZone ? { clusterTimeZone: entry.timeZone } : {}),
    ...(start?.ok ? { defaultStartWindowMs: start.value } : {}),
  };
}

/** The cluster's windows, with the namespace's labels when a window selects namespaces (one GET then). */
export async function windowsForNamespace(
  client: KubeClient,
  namespace: string,
  windows: Omit<WindowContext, "namespaceLabels">,
): Promise<WindowContext> {
  if (!(windows.clusterWindows ?? []).some((w) => w.namespaceSelector !== undefined)) return windows;
  const found = await client.find("Namespace", undefined, namespace);
  // A namespace without labels has none ({}), which a selector may match (NotIn, DoesNotExist).
  return found ? { ...windows, namespaceLabels: found.metadata.labels ?? {} } : windows;
}
