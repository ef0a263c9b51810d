import { describe, expect, it } from "vitest";
import { definition as dashboard } from "../../../functions/fleet-dashboard/function.ts";
import { loadFunction } from "../../../local/runtime.ts";
import { readWiring } from "../../../local/wiring.ts";

/** Every function.ts exports its definition under one name, `definition` (README.md#handler-convention). */

describe("the functions' one export name", () => {
  it.each(readWiring().filter((w) => w.patterns.length > 0 || w.everyMinutes.length > 0))(
    "$name: the local runtime loads `definition`, named as its folder",
    async ({ name }) => {
      const definition = await loadFunction(name);
      expect(definition.name).toBe(name);
      expect(definition.accepts.length).toBeGreaterThan(0);
    },
  );

  it("the fleet dashboard's is a URL function of the same name, which the runtime does not run as an event function", async () => {
    expect(dashboard.name).toBe("fleet-dashboard");
    await expect(loadFunction("fleet-dashboard")).rejects.toThrow(/exports no event function definition/);
  });
});
