import { describe, expect, it } from "vitest";
import { renderReleaseIndex } from "./release-index.ts";

const base = {
  channel: "nixos-unstable",
  releaseName: "nixos-26.11pre1046609.643809054d65",
  revision: "643809054d6578d8a5d4e6a8b6d0f7c2b7f3c1aa",
  evalId: 1812345,
  evalUrl: "https://hydra.nixos.org/eval/1812345",
  publishedAt: new Date("2026-08-22T14:03:05Z"),
  revisionCommittedAt: new Date("2026-08-21T09:00:00Z"),
  files: [
    { name: "nixexprs.tar.xz", size: 41234567, sha256: "a".repeat(64) },
    { name: "nixexprs.tar.xz.sha256", size: 82, sha256: "b".repeat(64) },
    { name: "git-revision", size: 40, sha256: "c".repeat(64) },
  ],
};

describe("renderReleaseIndex", () => {
  it("describes the release like the real page and links files relative to the release URL", () => {
    const html = renderReleaseIndex(base);
    expect(html).toContain(
      "<title>nixos-unstable release nixos-26.11pre1046609.643809054d65</title>",
    );
    expect(html).toContain("Released on 2026-08-22 14:03:05 UTC from");
    expect(html).toContain(
      `<a href="https://github.com/NixOS/nixpkgs/commits/${base.revision}">Git commit <tt>${base.revision}</tt></a>`,
    );
    expect(html).toContain("from 2026-08-21 09:00:00 UTC via");
    expect(html).toContain(
      '<a href="https://hydra.nixos.org/eval/1812345">Hydra evaluation 1812345</a>',
    );
    expect(html).toContain(
      '<a href="nixos-26.11pre1046609.643809054d65/nixexprs.tar.xz">nixexprs.tar.xz</a>',
    );
    expect(html).toContain('<td align="right">41234567</td>');
    expect(html).toContain(`<tt>${"a".repeat(64)}</tt>`);
    expect(html.indexOf("git-revision")).toBeLessThan(html.indexOf(">nixexprs.tar.xz<"));
  });

  it("leaves out .sha256 files", () => {
    expect(renderReleaseIndex(base)).not.toContain("nixexprs.tar.xz.sha256");
  });

  it("escapes every interpolated string", () => {
    const evil = "<script>alert(1)</script>";
    const html = renderReleaseIndex({
      ...base,
      channel: evil,
      releaseName: `x"><img src=x onerror=alert(1)>`,
      revision: evil,
      evalUrl: "javascript:alert(1)",
      files: [{ name: `${evil}'"`, size: 1, sha256: evil }],
    });
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("javascript:");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&#39;&quot;</a>");
  });
});
