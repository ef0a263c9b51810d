import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { endQuietlyOnClosedPipes } from "../../../cli/context.ts";

/** What kss does when writing to its stdout or stderr fails (the bin's child-process test shows it whole). */

function fakeStreams() {
  const written: string[] = [];
  const stdout = new EventEmitter() as unknown as NodeJS.WriteStream;
  const stderr = Object.assign(new EventEmitter(), {
    write: (text: string) => {
      written.push(text);
      return true;
    },
  }) as unknown as NodeJS.WriteStream;
  const exits: number[] = [];
  endQuietlyOnClosedPipes(stdout, stderr, (code) => exits.push(code));
  return { stdout, stderr, written, exits };
}

const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("endQuietlyOnClosedPipes", () => {
  it("a closed stdout (EPIPE) ends kss with exit 0 and writes nothing", () => {
    const { stdout, written, exits } = fakeStreams();

    stdout.emit("error", errno("EPIPE", "write EPIPE"));

    expect(exits).toEqual([0]);
    expect(written).toEqual([]);
  });

  it("any other stdout write error ends kss with exit 2 and one line on stderr", () => {
    const { stdout, written, exits } = fakeStreams();

    stdout.emit("error", errno("ENOSPC", "no space left on device"));

    expect(exits).toEqual([2]);
    expect(written).toEqual(["kss: cannot write to stdout: no space left on device\n"]);
  });

  it("a closed stderr is ignored: no crash, no exit", () => {
    const { stderr, exits } = fakeStreams();

    expect(() => stderr.emit("error", errno("EPIPE", "write EPIPE"))).not.toThrow();
    expect(exits).toEqual([]);
  });
});
