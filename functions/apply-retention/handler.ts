import { cloudKubeDeps } from "../../shared/handler/cloud-kube-deps.ts";
import { lambdaHandler } from "../../shared/handler/lambda.ts";
import { observability } from "../../shared/handler/observability.ts";
import { applyRetentionFunction } from "./function.ts";

const obs = observability(applyRetentionFunction.name);

export const handler = lambdaHandler(applyRetentionFunction, () => cloudKubeDeps(obs), obs);
