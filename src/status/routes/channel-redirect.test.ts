import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { type ChannelReleasePointer, channelRedirectRoutes } from "./channel-redirect.ts";

const REV = "643809054d6578d8a5d4e6a8b6d0f7c2b7f3c1aa";
const unstable: ChannelReleasePointer = {
  channel: "nixos-unstable",
  dir: "nixos/unstable",
  releaseName: "nixos-26.11pre1046609.643809054d65",
  revision: REV,
  lastModified: new Date("2026-08-21T09:00:00Z"),
};
const RELEASE = "/releases/nixos/unstable/nixos-26.11pre1046609.643809054d65";

function routes(publicUrl?: string) {
  const base = {
    lookup: async (channel: string) => (channel === "nixos-unstable" ? unstable : null),
    knownChannels: () => ["nixos-unstable", "nixos-26.11"],
  };
  return channelRedirectRoutes(publicUrl ? { ...base, publicUrl } : base);
}

describe("channelRedirectRoutes", () => {
  it("redirects a channel to its release page without a trailing slash, uncached", async () => {
    const res = await routes().request("/nixos-unstable");
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(RELEASE);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
  });

  it("uses the public URL when one is configured", async () => {
    const res = await routes("https://channels.example.org/").request("/nixos-unstable");
    expect(res.headers.get("Location")).toBe(`https://channels.example.org${RELEASE}`);
  });

  it("redirects nixexprs.tar.xz with an absolute immutable Link for flakes", async () => {
    const res = await routes().request("http://floodgate.test/nixos-unstable/nixexprs.tar.xz");
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(`${RELEASE}/nixexprs.tar.xz`);
    expect(res.headers.get("Link")).toBe(
      `<http://floodgate.test${RELEASE}/nixexprs.tar.xz?rev=${REV}&lastModified=1787302800>; rel="immutable"`,
    );
    expect(res.headers.get("Cache-Control")).toBe("no-store");
  });

  it("redirects other files without a Link header", async () => {
    const res = await routes().request("/nixos-unstable/git-revision");
    expect(res.headers.get("Location")).toBe(`${RELEASE}/git-revision`);
    expect(res.headers.get("Link")).toBeNull();
  });

  it("maps latest-* image names to the release's versioned files", async () => {
    const res = await routes().request(
      "/nixos-unstable/latest-nixos-minimal-x86_64-linux.iso.sha256",
    );
    expect(res.headers.get("Location")).toBe(
      `${RELEASE}/nixos-minimal-26.11pre1046609.643809054d65-x86_64-linux.iso.sha256`,
    );
  });

  it("answers HEAD like GET", async () => {
    const res = await routes().request("/nixos-unstable", { method: "HEAD" });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(RELEASE);
  });

  it("says when a configured channel has no release yet", async () => {
    const res = await routes().request("/nixos-26.11");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: "NOT_FOUND", message: "channel nixos-26.11 has no published release yet" },
    });
  });

  it("answers 404 JSON for a name that is not a channel", async () => {
    const res = await routes().request("/nixos-nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  it("refuses file names that would leave the release directory", async () => {
    const res = await routes().request("/nixos-unstable/..%2Fsecret");
    expect(res.status).toBe(400);
  });

  it("does not shadow other routes of the app", async () => {
    const app = new Hono();
    app.route("/", routes());
    app.get("/api/v1", (c) => c.text("api"));
    app.get("/metrics", (c) => c.text("metrics"));
    expect(await (await app.request("/api/v1")).text()).toBe("api");
    expect(await (await app.request("/metrics")).text()).toBe("metrics");
    expect((await app.request("/nixos-unstable")).status).toBe(302);
  });
});
