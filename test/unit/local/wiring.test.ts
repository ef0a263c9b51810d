import { describe, expect, it } from "vitest";
import { RETRY_DELAY_MINUTES } from "../../../local/runtime.ts";
import { DEFAULT_MAXIMUM_RETRY_ATTEMPTS, readWiring } from "../../../local/wiring.ts";

/** The local runtime retries failed deliveries as Lambda retries asynchronous invocations (docs/decisions.md#transient-errors). */
describe("the delivery retry policy read from serverless.yml", () => {
  it("retries create-sessions twice, after 1 and then 2 minutes, as Lambda does", () => {
    const wiring = readWiring();
    expect(wiring.find((w) => w.name === "create-sessions")?.maximumRetryAttempts).toBe(2);
    expect(RETRY_DELAY_MINUTES).toEqual([1, 2]);
  });

  it("gives every function Lambda's default of two retries unless serverless.yml says otherwise", () => {
    for (const w of readWiring()) expect(w.maximumRetryAttempts).toBe(DEFAULT_MAXIMUM_RETRY_ATTEMPTS);
  });
});
