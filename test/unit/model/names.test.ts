import { describe, expect, it } from "vitest";
import {
  backupSessionName,
  isDns1123Label,
  isDns1123Subdomain,
  LABEL_NAME_MAX,
  OBJECT_NAME_MAX,
  retrySessionName,
  snapshotName,
  validNameWithPrefixAndSuffix,
} from "../../../shared/model/names.ts";

const at = new Date("2023-12-14T08:40:01Z"); // unix 1702543201
const long = (n: number, c = "a") => c.repeat(n);

describe("backupSessionName", () => {
  it.each([
    [
      "KubeStash's documented example",
      "sample-backup-sts",
      "demo-session",
      "sample-backup-sts-demo-session-1702543201",
    ],
    ["short names", "a", "b", "a-b-1702543201"],
    ["exactly 63 characters is kept", long(40), long(11, "s"), `${long(40)}-${long(11, "s")}-1702543201`],
  ])("%s", (_case, config, session, expected) => {
    expect(backupSessionName(config, session, at)).toBe(expected);
  });

  it("ignores sub-second parts of the time", () => {
    expect(backupSessionName("c", "s", new Date("2023-12-14T08:40:01.999Z"))).toBe("c-s-1702543201");
  });

  it.each([
    ["64 characters", long(41), long(11, "s")],
    ["a very long configuration", long(200), "daily"],
    ["a very long session", "c", long(120, "x")],
    ["a dotted name cut next to a dot", `${long(42)}.b.c-d`, "session"],
  ])("keeps %s within 63, a valid object name, deterministic, time last", (_case, config, session) => {
    const name = backupSessionName(config, session, at);
    expect(name.length).toBeLessThanOrEqual(LABEL_NAME_MAX);
    expect(isDns1123Subdomain(name)).toBe(true);
    expect(name.endsWith("-1702543201")).toBe(true);
    expect(backupSessionName(config, session, at)).toBe(name);
  });

  it("gives different long inputs different names", () => {
    const a = backupSessionName(`${long(70)}-one`, "daily", at);
    const b = backupSessionName(`${long(70)}-two`, "daily", at);
    expect(a).not.toBe(b);
    expect(a.slice(0, 40)).toBe(b.slice(0, 40));
  });
});

describe("snapshotName", () => {
  it.each([
    [
      "documented example",
      "gcs-demo-repo",
      "sample-backup-sts-demo-session-1702543201",
      "gcs-demo-repo-sample-backup-sts-demo-session-1702543201",
    ],
    ["session name without numeric suffix", "repo", "manual-run", "repo-manual-run"],
    ["retry session", "repo", "cfg-daily-1702543201-retry-1", "repo-cfg-daily-1702543201-retry-1"],
  ])("%s", (_case, repo, session, expected) => {
    expect(snapshotName(repo, session)).toBe(expected);
  });

  it("keeps a long one within 63 characters with the session time last", () => {
    const name = snapshotName(long(30, "r"), `${long(40)}-daily-1702543201`);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(isDns1123Label(name)).toBe(true);
    expect(name).toMatch(/^r{30}-a+-[0-9a-f]{8}-1702543201$/);
  });
});

describe("retrySessionName", () => {
  it.each([
    ["first retry", "cfg-daily-1702543201", "cfg-daily-1702543201-retry-1"],
    ["second retry in the chain", "cfg-daily-1702543201-retry-1", "cfg-daily-1702543201-retry-2"],
    ["tenth retry", "cfg-daily-1702543201-retry-9", "cfg-daily-1702543201-retry-10"],
  ])("%s", (_case, failed, expected) => {
    expect(retrySessionName(failed)).toBe(expected);
  });

  it("is deterministic and stays a label for long names", () => {
    const failed = backupSessionName(long(60), "daily", at);
    const retry = retrySessionName(failed);
    expect(retrySessionName(failed)).toBe(retry);
    expect(isDns1123Label(retry)).toBe(true);
    expect(retry.endsWith("-retry-1")).toBe(true);
  });
});

describe("validNameWithPrefixAndSuffix", () => {
  it.each([
    ["empty prefix", "", "name", "1", "name-1"],
    ["empty suffix", "trigger", "cfg", "", "trigger-cfg"],
    ["all parts", "upload", "cfg", "0", "upload-cfg-0"],
  ])("%s", (_case, prefix, name, suffix, expected) => {
    expect(validNameWithPrefixAndSuffix(prefix, name, suffix)).toBe(expected);
  });

  it("honours the 253 limit for object names that no label holds", () => {
    const name = validNameWithPrefixAndSuffix("p", long(300), "9", OBJECT_NAME_MAX);
    expect(name.length).toBe(OBJECT_NAME_MAX);
    expect(isDns1123Subdomain(name)).toBe(true);
  });
});

describe("DNS-1123 checks", () => {
  it.each([
    ["abc", true, true],
    ["a.b", false, true],
    ["-a", false, false],
    ["a-", false, false],
    ["Abc", false, false],
    ["ä", false, false],
    [long(63), true, true],
    [long(64), false, true],
  ])("%s → label %s, subdomain %s", (name, label, subdomain) => {
    expect(isDns1123Label(name)).toBe(label);
    expect(isDns1123Subdomain(name)).toBe(subdomain);
  });
});
