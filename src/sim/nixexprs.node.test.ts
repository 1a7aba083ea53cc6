import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeNixexprs } from "./nixexprs.node.ts";

function withTarball<T>(bytes: Uint8Array, fn: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "nixexprs-test-"));
  try {
    const file = join(dir, "nixexprs.tar.xz");
    writeFileSync(file, bytes);
    return fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("makeNixexprs", () => {
  const release = "nixos-26.11pre100003.0123456789ab";
  const files = {
    "default.nix": '{ ... }: { hello = "world"; }\n',
    ".git-revision": "0123456789abcdef0123456789abcdef01234567",
    "pkgs/top-level/all-packages.nix": "{ }\n",
  };

  it("builds an xz tarball whose single top directory is the release name", async () => {
    const bytes = await makeNixexprs(release, files);
    withTarball(bytes, (file) => {
      execFileSync("xz", ["-t", file]);
      const listing = execFileSync("tar", ["-tJf", file], { encoding: "utf8" }).trim().split("\n");
      expect(listing).toEqual(
        expect.arrayContaining([
          `${release}/default.nix`,
          `${release}/.git-revision`,
          `${release}/pkgs/top-level/all-packages.nix`,
        ]),
      );
      expect(listing.every((entry) => entry.startsWith(`${release}/`))).toBe(true);
      const text = execFileSync("tar", ["-xJOf", file, `${release}/default.nix`], {
        encoding: "utf8",
      });
      expect(text).toBe(files["default.nix"]);
    });
  });

  it("is reproducible: the same input gives the same bytes", async () => {
    const [a, b] = await Promise.all([makeNixexprs(release, files), makeNixexprs(release, files)]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const other = await makeNixexprs(release, { ...files, "default.nix": "{ }: { }\n" });
    expect(Buffer.from(a).equals(Buffer.from(other))).toBe(false);
  });

  it("stores entries with root ownership and the fixed 1980 mtime", async () => {
    const bytes = await makeNixexprs(release, files);
    const verbose = withTarball(bytes, (file) =>
      execFileSync("tar", ["--numeric-owner", "--full-time", "-tvJf", file], {
        encoding: "utf8",
        env: { ...process.env, TZ: "UTC" },
      }),
    );
    for (const line of verbose.trim().split("\n")) {
      expect(line).toMatch(/ 0\/0 /);
      expect(line).toContain("1980-01-01");
    }
  });

  it("refuses paths that would escape the top directory", async () => {
    await expect(makeNixexprs(release, { "../evil.nix": "" })).rejects.toThrow(/unsafe path/);
    await expect(makeNixexprs("..", { "default.nix": "" })).rejects.toThrow(/unsafe path/);
  });
});
