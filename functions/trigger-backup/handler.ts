import { cloudKubeDeps } from "../../shared/handler/cloud-kube-deps.ts";
import { lambdaHandler } from "../../shared/handler/lambda.ts";
import { observability } from "../../shared/handler/observability.ts";
import { definition } from "./function.ts";

const obs = observability(definition.name);

export const handler = lambdaHandler(definition, () => cloudKubeDeps(obs), obs);
