import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const HOSTILE_URLS = [
  "javascript:alert(document.cookie)",
  "JaVaScRiPt:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "https://github.com.evil.example/NixOS/nixpkgs/pull/1",
  "https://github.com@evil.example/NixOS/nixpkgs/pull/1",
  "//evil.example/pull/1",
  "http://github.com/NixOS/nixpkgs/pull/1",
];

/** What a compromised or spoofed GitHub could send for a PR. */
function hostilePull(number: number, htmlUrl: string, mergeCommitSha: string | null = null) {
  return {
    number,
    title: `<script>alert("${number}")</script><img src=x onerror=alert(1)>`,
    state: mergeCommitSha ? "closed" : "open",
    merged_at: mergeCommitSha ? "2026-03-01T00:00:00Z" : null,
    merge_commit_sha: mergeCommitSha,
    base: { ref: "master" },
    html_url: htmlUrl,
  };
}

describe("hostile GitHub data, hostile paths: no markup or links from GitHub, security headers, never a 500", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.seedBranches();
    const ev = await h.sim.evaluate(h.channel("nixos-unstable"));
    h.sim.hydra.model.finishEval(ev.evalId);
    expect(await tickChannel(h.deps, h.channel("nixos-unstable"))).toMatchObject({
      kind: "advanced",
    });
  });
  afterAll(() => h.close());

  // What GitHub's data can reach: the page's content, not the frame's own stylesheet and script.
  const content = (page: string) => /<main id="main">([\s\S]*)<\/main>/.exec(page)?.[1] ?? page;
  const links = (page: string) =>
    [...content(page).matchAll(/href="([^"]*)"/g)].map((m) => m[1] ?? "");

  it("renders a PR whose html_url is not https://github.com/ without linking it", async () => {
    for (const [i, url] of HOSTILE_URLS.entries()) {
      const number = 5000 + i;
      h.sim.github.faults.add({
        path: new RegExp(`/pulls/${number}$`),
        status: 200,
        body: hostilePull(number, url),
      });
      const res = await h.app.request(`/prs/${number}`);
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain(`Has PR #${number} landed?`);
      expect(page).toContain("&lt;script&gt;");
      expect(content(page)).not.toMatch(/<script|<img/i);
      for (const href of links(page)) expect(href).toMatch(/^(\/|https:\/\/github\.com\/)/);
    }
  });

  it("links a genuine github.com PR, and lists a commit's hostile PRs without their links", async () => {
    const sha = h.sim.github.model.commit("master", "hello: 2.13 -> 2.14");
    h.sim.github.faults.add({
      path: new RegExp(`/commits/${sha}/pulls$`),
      status: 200,
      body: [
        hostilePull(6001, "javascript:alert(1)", sha),
        hostilePull(6002, "https://github.com/NixOS/nixpkgs/pull/6002", sha),
      ],
    });
    const page = await (await h.app.request(`/commits/${sha}`)).text();
    expect(page).toContain('<a href="/prs/6001">#6001</a>');
    expect(links(page)).toContain("https://github.com/NixOS/nixpkgs/pull/6002");
    expect(links(page).filter((l) => !/^(\/|https:\/\/github\.com\/)/.test(l))).toEqual([]);
    expect(content(page)).not.toMatch(/<script|<img/i);
  });

  it("sends CSP, nosniff, frame and referrer policies on pages, JSON, files, redirects and errors", async () => {
    const location = (await h.app.request("/nixos-unstable")).headers.get("location") ?? "";
    const releasePath = new URL(location, "http://floodgate.test").pathname;
    const paths = [
      "/",
      "/channels/nixos-unstable",
      "/api/v1/channels",
      "/nixos-unstable",
      `${releasePath}/git-revision`,
      "/metrics",
      "/no/such/route",
      "/api/v1/commits/not-hex",
      "/commits/zzzz",
      "/landed?q=",
    ];
    for (const path of paths) {
      const res = await h.app.request(path);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect({ path, csp }).toEqual({ path, csp: expect.stringContaining("default-src 'none'") });
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
  });

  it("pages load only their own hashed stylesheet and script: no inline style or script", async () => {
    const res = await h.app.request("/");
    const page = await res.text();
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(page).not.toMatch(/<style|style="|<script(?![^>]*\bsrc=)/);
    const style = /<link rel="stylesheet" href="(\/assets\/style-\w+\.css)"/.exec(page)?.[1];
    const script = /<script type="module" src="(\/assets\/main-\w+\.js)"/.exec(page)?.[1];
    for (const href of [style, script]) {
      const asset = await h.app.request(href ?? "/assets/missing");
      expect({ href, status: asset.status }).toEqual({ href, status: 200 });
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect((await asset.text()).length).toBeGreaterThan(1000);
    }
    const compressed = await h.app.request(script ?? "", {
      headers: { "Accept-Encoding": "gzip, br" },
    });
    expect(compressed.headers.get("content-encoding")).toBe("br");
    expect((await h.app.request("/assets/main-NOTBUILT.js")).status).toBe(404);
  });

  it("answers 4xx to 4,200-character paths on every route, and logs no failure", async () => {
    const long = "a".repeat(4200);
    const paths = [
      `/releases/${long}`,
      `/releases/nixos/unstable/${"abcdefghi/".repeat(420)}`,
      `/nixos-unstable/${long}`,
      `/${long}`,
      `/channels/${long}`,
      `/api/v1/channels/${long}`,
      `/api/v1/commits/${long}`,
      `/api/v1/prs/${long}`,
      `/commits/${long}`,
      `/prs/${long}`,
      `/history/${long}`,
      `/landed?q=${long}`,
    ];
    for (const path of paths) {
      const res = await h.app.request(path);
      expect({ path: path.slice(0, 40), status: res.status }).toEqual({
        path: path.slice(0, 40),
        status: expect.toSatisfy((s: number) => s >= 400 && s < 500),
      });
      expect(await res.text()).not.toMatch(/\s+at \S+ \(|ENAMETOOLONG|STORAGE_READ/);
    }
    expect(h.logs.filter((l) => l.includes('"request failed"'))).toEqual([]);
  });
});
