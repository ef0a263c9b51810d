/**
 * Coverage (`kss coverage`, the dashboard's coverage page; docs/coverage.md): `exclusions.ts` what needs no backup
 * (system namespaces, the registry's list, the opt-out label), `claims.ts` the claims a workload's pods mount,
 * `targets.ts` what each BackupConfiguration's target covers, `coverage.ts` one cluster's items and why.
 */
export { mountedClaims, templateClaimOf } from "./claims.ts";
export { clusterCoverage } from "./coverage.ts";
export { isSystemNamespace, namespaceExclusion } from "./exclusions.ts";
export { configurationTargets } from "./targets.ts";
