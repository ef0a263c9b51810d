import { cloudKubeDeps } from "../../shared/handler/cloud-kube-deps.ts";
import { lambdaHandler } from "../../shared/handler/lambda.ts";
import { observability } from "../../shared/handler/observability.ts";
import { triggerBackupFunction } from "./function.ts";

const obs = observability(triggerBackupFunction.name);

export const handler = lambdaHandler(triggerBackupFunction, () => cloudKubeDeps(obs), obs);
