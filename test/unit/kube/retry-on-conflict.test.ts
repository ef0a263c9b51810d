import { describe, expect, it } from "vitest";
import { retryOnConflict } from "../../../shared/kube/client.ts";
import { AlreadyExistsError, ConflictError, UnavailableError } from "../../../shared/kube/errors.ts";

const conflict = () => new ConflictError("the object has been modified", "c", 409);

describe("retryOnConflict (the one retry-on-Conflict loop)", () => {
  it("runs the attempt again from the start on Conflict, and returns what a clean attempt returns", async () => {
    const seen: number[] = [];
    const result = await retryOnConflict(async (n) => {
      seen.push(n);
      if (n < 3) throw conflict();
      return "written";
    }, 5);
    expect(result).toBe("written");
    expect(seen).toEqual([1, 2, 3]);
  });

  it("lets the Conflict escape after maxAttempts attempts in all", async () => {
    let attempts = 0;
    await expect(
      retryOnConflict(async () => {
        attempts++;
        throw conflict();
      }, 4),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(attempts).toBe(4);
  });

  it.each([
    ["AlreadyExists", new AlreadyExistsError("exists", "c", 409)],
    ["Unavailable", new UnavailableError("down", "c", 503)],
    ["a bug", new Error("bug")],
  ])("lets any other error (%s) escape at once", async (_, error) => {
    let attempts = 0;
    await expect(
      retryOnConflict(async () => {
        attempts++;
        throw error;
      }, 4),
    ).rejects.toBe(error);
    expect(attempts).toBe(1);
  });
});
