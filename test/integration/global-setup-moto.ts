import type { TestProject } from "vitest/node";
import { type MotoServer, startMoto } from "../support/moto.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The real moto server of this run (EventBridge, SQS, … emulated); clients use `motoClientConfig`. */
    moto: { endpoint: string };
  }
}

/**
 * One moto server for the whole integration run, next to the control plane of global-setup.ts; tests read
 * it with `inject("moto")`. Every test creates its own uniquely named buses and queues, so none is reset.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  let moto: MotoServer;
  try {
    moto = await startMoto();
  } catch (error) {
    throw new Error(`the integration moto server did not start: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`[moto] ready in ${seconds} s at ${moto.endpoint}\n`);
  project.provide("moto", { endpoint: moto.endpoint });
  return async () => {
    await moto.stop();
  };
}
