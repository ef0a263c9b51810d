import { cloudKubeDeps } from "../../shared/handler/cloud-kube-deps.ts";
import { lambdaHandler } from "../../shared/handler/lambda.ts";
import { observability } from "../../shared/handler/observability.ts";
import { evaluateFailureFunction } from "./function.ts";

const obs = observability(evaluateFailureFunction.name);

export const handler = lambdaHandler(evaluateFailureFunction, () => cloudKubeDeps(obs), obs);
