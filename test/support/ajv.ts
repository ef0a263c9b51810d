import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import formatsModule from "ajv-formats";

/** ajv-formats is CommonJS with a `default` export; under NodeNext its callable is that property. */
const addFormats = formatsModule.default;

/** JSON Schema draft-07 / OpenAPI v3 validator (CRD schemas), lenient about Kubernetes' x- keywords. */
export function openApiValidator(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv;
}

/** Draft 2020-12 validator (the event JSON Schemas we export). */
export function draft2020Validator(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv;
}
