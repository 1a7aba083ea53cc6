import { describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import { briefly, isDiskFull, storageError } from "./storage-errors.ts";

const errno = (code: string) => Object.assign(new Error(`${code}: oops, write`), { code });
const where = { kind: "release storage" as const, path: "/srv/releases", key: "nixos/a/b" };

describe("storage errors", () => {
  it("knows a full disk by its errno, a tool's words, or a cause deep in the chain", () => {
    expect(isDiskFull(errno("ENOSPC"))).toBe(true);
    expect(isDiskFull(errno("EDQUOT"))).toBe(true);
    expect(isDiskFull(new Error("tar: x: Cannot write: No space left on device"))).toBe(true);
    expect(isDiskFull(new AppError("CODEC_FAILED", "xz failed", { cause: errno("ENOSPC") }))).toBe(
      true,
    );
    expect(isDiskFull(errno("EACCES"))).toBe(false);
    expect(isDiskFull({ code: 28 })).toBe(false);
  });

  it("names the space, the path and the key of a full disk, and keeps other causes' codes", () => {
    const full = storageError("STORAGE_WRITE", "cannot write nixos/a/b", errno("ENOSPC"), where);
    expect(full).toMatchObject({ code: "STORAGE_FULL", retryable: true });
    expect(full.message).toBe(
      "disk full (ENOSPC): release storage /srv/releases has no room for nixos/a/b",
    );
    const denied = storageError("STORAGE_WRITE", "cannot write nixos/a/b", errno("EACCES"), where);
    expect(denied).toMatchObject({
      code: "STORAGE_WRITE",
      message: "cannot write nixos/a/b: EACCES",
    });
  });

  it("keeps the end of a long tool message on one line", () => {
    expect(briefly("a\n  b")).toBe("a b");
    expect(briefly(`${"x".repeat(300)}disk I/O error`, 20)).toBe("…xxxxxxdisk I/O error");
  });
});
