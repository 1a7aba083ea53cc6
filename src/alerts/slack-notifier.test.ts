import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../log.ts";
import { type LoopbackServer, serveOnLoopback } from "../sim/serve.node.ts";
import { slackNotifier } from "./slack-notifier.ts";

describe("slackNotifier", () => {
  const received: unknown[] = [];
  let failuresLeft = 0;
  let server: LoopbackServer;
  beforeAll(async () => {
    const app = new Hono().post("/hook", async (c) => {
      if (failuresLeft > 0) {
        failuresLeft--;
        return c.text("rate_limited", 429);
      }
      received.push(await c.req.json());
      return c.text("ok");
    });
    app.post("/gone", (c) => c.text("no_service", 404));
    server = await serveOnLoopback(app);
  });
  afterAll(() => server.close());

  const alert = {
    channel: "nixos-unstable",
    type: "channel.blocked" as const,
    text: "nixos-unstable blocked: nixos.tests.<b>foo</b>.x86_64-linux failed & more",
    at: new Date(),
  };

  it("posts a message that names the channel, links it and escapes the text", async () => {
    failuresLeft = 1;
    const notifier = slackNotifier({
      webhookUrl: `${server.url}/hook`,
      publicUrl: "https://floodgate.example",
      logger: silentLogger,
      baseBackoffMs: 1,
    });
    await notifier.send(alert);
    expect(received).toEqual([
      {
        text: ":no_entry: <https://floodgate.example/channels/nixos-unstable|nixos-unstable>: nixos-unstable blocked: nixos.tests.&lt;b&gt;foo&lt;/b&gt;.x86_64-linux failed &amp; more",
      },
    ]);
  });

  it("gives up on a 4xx at once with a typed error", async () => {
    const notifier = slackNotifier({
      webhookUrl: `${server.url}/gone`,
      publicUrl: "x",
      logger: silentLogger,
      baseBackoffMs: 1,
    });
    await expect(notifier.send(alert)).rejects.toMatchObject({
      code: "SLACK_HTTP",
      retryable: false,
    });
  });
});
