import { cloudKubeDeps } from "../../shared/handler/cloud-kube-deps.ts";
import { lambdaHandler } from "../../shared/handler/lambda.ts";
import { observability } from "../../shared/handler/observability.ts";
import { createSessions } from "./function.ts";

const obs = observability(createSessions.name);

export const handler = lambdaHandler(createSessions, () => cloudKubeDeps(obs), obs);
