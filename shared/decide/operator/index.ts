/**
 * Beside the KubeStash operator (docs/migration.md): `operator-presence.ts` tells whether its footprint is in
 * a cluster (then the functions create nothing); `migration-plan.ts` what `kss migrate` removes.
 */
export { isOperatorDeployment } from "./operator-presence.ts";
