import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { parseConfig } from "../../src/config/config.ts";
import { createStore } from "../../src/entry/runtime.node.ts";
import { releaseFileKey } from "../../src/publish/release-paths.ts";
import { createS3Client } from "../../src/publish/s3-client.ts";
import { createS3Store } from "../../src/publish/s3-store.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import { S3_TEST_KEYS, startS3Server, type TestS3Server } from "../support/s3-server.ts";

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const pathOf = (location: string | null) =>
  new URL(location ?? "", "http://floodgate.test").pathname;

/** floodgate with FLOODGATE_STORAGE=s3://…, publishing into s3rver on loopback. */
describe("publishing a channel to S3-compatible storage", () => {
  let s3: TestS3Server;
  let h: Harness | undefined;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
    s3.clearFaults();
  });
  afterAll(() => s3.close());

  async function advance(harness: Harness) {
    const nixos = harness.channel("nixos-unstable");
    const made = await harness.sim.evaluate(nixos);
    harness.sim.hydra.model.finishEval(made.evalId);
    return { made, outcome: await tickChannel(harness.deps, nixos) };
  }

  it("publishes a release into the bucket and serves it under /nixos-unstable", async () => {
    const harness = await startHarness(s3.env("e2e"));
    h = harness;
    harness.seedBranches();
    const { made, outcome } = await advance(harness);
    expect(outcome).toMatchObject({ kind: "advanced", release: made.releaseName });

    const index = `e2e/${releaseFileKey("nixos-unstable", made.releaseName, "index.html")}`;
    const putOrder = s3.requests
      .filter((r) => r.method === "PUT" && r.url.includes(made.releaseName))
      .map((r) => r.url.slice(r.url.lastIndexOf("/") + 1));
    // The index marks a release complete, so it goes up last.
    expect(putOrder.at(-1)).toBe("index.html");
    expect(putOrder).toContain("nixexprs.tar.xz");
    expect(s3.requests.some((r) => r.url === `/${s3.bucket}/${index}`)).toBe(true);

    const redirect = await harness.app.request("/nixos-unstable/nixexprs.tar.xz");
    expect(redirect.status).toBe(302);
    const filePath = pathOf(redirect.headers.get("location"));
    expect(filePath).toBe(`/releases/nixos/unstable/${made.releaseName}/nixexprs.tar.xz`);
    const file = await harness.app.request(filePath);
    expect(file.status).toBe(200);
    const body = new Uint8Array(await file.arrayBuffer());
    const digest = sha256(body);
    expect(file.headers.get("etag")).toBe(`"${digest}"`);
    expect(file.headers.get("content-type")).toBe("application/octet-stream");
    // NixOS tarballs are repacked with programs.sqlite, so they have no .sha256 (§3 step 6).
    expect((await harness.app.request(`${filePath}.sha256`)).status).toBe(404);

    const head = await harness.app.request(filePath, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe(String(body.byteLength));
    const ranged = await harness.app.request(filePath, { headers: { Range: "bytes=2-9" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 2-9/${body.byteLength}`);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(body.subarray(2, 10));
    const cached = await harness.app.request(filePath, {
      headers: { "If-None-Match": `"${digest}"` },
    });
    expect(cached.status).toBe(304);

    const page = await harness.app.request(`/releases/nixos/unstable/${made.releaseName}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("nixexprs.tar.xz");
  });

  it("refuses s3:// storage without keys at start, naming the variables", () => {
    const config = parseConfig(
      { FLOODGATE_STORAGE: "s3://releases/floodgate" },
      { raw: { channels: scenarioChannels }, source: "test" },
    );
    expect(() => createStore(config)).toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it("keeps the previous release served when S3 fails in the middle of a multipart upload", async () => {
    // Parts of 64 bytes, so the simulator's small tarball goes up in several.
    const store = createS3Store(
      createS3Client({
        bucket: s3.bucket,
        endpoint: s3.endpoint,
        region: "us-east-1",
        ...S3_TEST_KEYS,
        retryBaseMs: 1,
      }),
      "faults",
      { multipartThreshold: 64, partSize: 64 },
    );
    // Only the tarball: parts of 64 bytes would make the images thousands of requests.
    const tarballOnly = scenarioChannels.map((c) => ({
      ...c,
      products: [
        { job: c.productJob, subtype: "source-dist", suffix: ".tar.xz", file: "nixexprs.tar.xz" },
      ],
    }));
    const harness = await startHarness(s3.env("faults"), { store, channels: tarballOnly });
    h = harness;
    harness.seedBranches();
    const first = await advance(harness);
    expect(first.outcome.kind).toBe("advanced");

    harness.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
    s3.fail({ method: "PUT", url: /partNumber=2&/, status: 500, times: 1000 });
    const second = await advance(harness);
    expect(second.outcome.kind).toBe("blocked");
    expect(second.outcome.summary).toContain(
      "S3 part 2 upload of faults/nixos/unstable/" +
        `${second.made.releaseName}/nixexprs.tar.xz failed: 500 InternalError`,
    );
    const served = await harness.app.request("/nixos-unstable");
    expect(served.headers.get("location")).toContain(first.made.releaseName);
    const missing = await harness.app.request(
      `/releases/nixos/unstable/${second.made.releaseName}/nixexprs.tar.xz`,
    );
    expect(missing.status).toBe(404);
    expect(s3.requests.some((r) => r.method === "DELETE" && r.url.includes("uploadId="))).toBe(
      true,
    );
  });
});
