/**
 * What `kss validate` and `kss apply` say about a manifest file (docs/validation.md):
 * 1. `structural-schema.ts` and `object-meta.ts` judge an object as the API server does (the CRD's
 *    structural schema, metadata rules);
 * 2. `manifest-rules.ts` and `manifest-references.ts` add KubeStash's rules and the references within the
 *    file;
 * 3. `validate-manifests.ts` gives one report per object; `apply-outcome.ts` compares what `kss apply` wrote
 *    with what was there.
 */
export { validateManifests } from "./validate-manifests.ts";
