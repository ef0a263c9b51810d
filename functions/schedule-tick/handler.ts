import { cloudDeps } from "../../shared/handler/cloud-deps.ts";
import { lambdaHandler } from "../../shared/handler/lambda.ts";
import { observability } from "../../shared/handler/observability.ts";
import { definition } from "./function.ts";

const obs = observability(definition.name);

export const handler = lambdaHandler(definition, () => cloudDeps(obs), obs);
