/** Kubernetes writes times in RFC 3339 with second precision ("2026-11-26T12:00:00Z"). */
export function toKubeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
