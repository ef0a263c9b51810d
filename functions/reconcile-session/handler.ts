import { cloudKubeDeps } from "../../shared/handler/cloud-kube-deps.ts";
import { lambdaHandler } from "../../shared/handler/lambda.ts";
import { observability } from "../../shared/handler/observability.ts";
import { reconcileSessionFunction } from "./function.ts";

const obs = observability(reconcileSessionFunction.name);

export const handler = lambdaHandler(reconcileSessionFunction, () => cloudKubeDeps(obs), obs);
