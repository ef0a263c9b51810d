import { cloudDeps } from "../../shared/handler/cloud-deps.ts";
import { lambdaHandler } from "../../shared/handler/lambda.ts";
import { observability } from "../../shared/handler/observability.ts";
import { scheduleTick } from "./function.ts";

const obs = observability(scheduleTick.name);

export const handler = lambdaHandler(scheduleTick, () => cloudDeps(obs), obs);
