/** Base error of the test control plane; `cause` keeps the underlying error. */
export class ControlPlaneError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A command (go build, kcp) could not be run or failed; carries the end of its stderr. */
export class CommandError extends ControlPlaneError {
  readonly command: string;
  readonly stderrTail: string;

  constructor(message: string, command: string, stderrTail: string, options?: { cause?: unknown }) {
    super(`${message}\n  command: ${command}\n  stderr (end):\n${indent(stderrTail)}`, options);
    this.command = command;
    this.stderrTail = stderrTail;
  }
}

/** The Go toolchain is not on PATH. */
export class GoMissingError extends ControlPlaneError {}

/** Something did not become ready in time. */
export class ControlPlaneTimeoutError extends ControlPlaneError {}

function indent(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed === "" ? "    (empty)" : trimmed.replace(/^/gm, "    ");
}

/** Keeps only the last `max` characters written to it. */
export class TailBuffer {
  private text = "";

  constructor(private readonly max = 6000) {}

  push(chunk: string | Buffer): void {
    this.text = (this.text + chunk.toString()).slice(-this.max);
  }

  toString(): string {
    return this.text;
  }
}
