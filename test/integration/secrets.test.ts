import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelSpec } from "../../src/config/channels-file.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { type Simulator, startSimulator } from "../../src/sim/simulator.node.ts";
import { type AlertReceiver, startAlertReceiver } from "../support/alert-receiver.ts";
import { seedChannelBranches } from "../support/cli-world.ts";
import { runFloodgate, startServe } from "../support/floodgate-process.ts";

const unique = (prefix: string) => `${prefix}${randomBytes(12).toString("hex")}`;
const PLANTED = {
  githubToken: unique("ghp_planted"),
  adminToken: unique("adminplanted"),
  slackPath: `/services/T0/B0/${unique("slackplanted")}`,
  webhookPath: `/hooks/${unique("webhookplanted")}`,
  webhookSecret: unique("whsecplanted"),
  dbPassword: unique("pgplanted"),
};

/** Every planted value found in `text`, by name. */
const leaks = (text: string) =>
  Object.entries(PLANTED)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);

/** On PostgreSQL: a role with a password of its own, owning a database of its own. */
async function roleWithPassword(adminUrl: string) {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const name = `fg_secret_${randomBytes(4).toString("hex")}`;
  await admin.unsafe(`CREATE ROLE ${name} LOGIN PASSWORD '${PLANTED.dbPassword}'`);
  await admin.unsafe(`CREATE DATABASE ${name} OWNER ${name}`);
  const url = new URL(adminUrl);
  url.username = name;
  url.password = PLANTED.dbPassword;
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.unsafe(`DROP ROLE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}

describe("planted secrets never appear in logs, pages, errors, metrics or status --json", () => {
  let sim: Simulator;
  let receiver: AlertReceiver;
  let dir: string;
  let env: Record<string, string>;
  let role: Awaited<ReturnType<typeof roleWithPassword>> | undefined;
  const captured: { what: string; text: string }[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ githubToken: PLANTED.githubToken });
    receiver = await startAlertReceiver();
    dir = mkdtempSync(join(tmpdir(), "floodgate-secrets-"));
    const channelsFile = join(dir, "channels.json");
    writeFileSync(channelsFile, JSON.stringify({ channels: scenarioChannels }));
    const pgUrl = process.env.FLOODGATE_TEST_DATABASE_URL;
    role = pgUrl ? await roleWithPassword(pgUrl) : undefined;
    env = {
      ...sim.env,
      FLOODGATE_DATA_DIR: join(dir, "data"),
      FLOODGATE_CHANNELS: channelsFile,
      FLOODGATE_ADMIN_TOKEN: `ops:${PLANTED.adminToken}`,
      SLACK_WEBHOOK_URL: `${receiver.url}${PLANTED.slackPath}`,
      FLOODGATE_WEBHOOK_URL: `${receiver.url}${PLANTED.webhookPath}`,
      FLOODGATE_WEBHOOK_SECRET: PLANTED.webhookSecret,
      FLOODGATE_SCHEDULER: "off",
      ...(role ? { DATABASE_URL: role.url } : {}),
    };
    seedChannelBranches(sim);
    sim.github.model.commit("master", "hello: 2.12 -> 2.13");
    const ev = await sim.evaluate(ChannelSpec.parse(scenarioChannels[0]));
    sim.hydra.model.finishEval(ev.evalId);
  });
  afterAll(async () => {
    await role?.drop();
    await receiver?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (what: string, args: string[], extra: Record<string, string> = {}) => {
    const result = await runFloodgate(args, { ...env, ...extra });
    captured.push({ what, text: `${result.stdout}\n${result.stderr}` });
    return result;
  };

  it("uses every planted value (so the check below can fail)", { timeout: 300_000 }, async () => {
    const tick = await cli("tick (advances, alerts)", ["tick"]);
    expect(tick.code).toBe(0);
    expect(
      sim.github.requests.some((r) => r.headers.authorization?.includes(PLANTED.githubToken)),
    ).toBe(true);
    expect(receiver.delivered.map((p) => p.path)).toContain(PLANTED.slackPath);
  });

  it("keeps them out of tick and status output while every upstream fails", {
    timeout: 600_000,
  }, async () => {
    sim.github.faults.add({
      path: /./,
      status: 401,
      body: { message: "Bad credentials" },
      times: 200,
    });
    sim.hydra.faults.add({ path: /./, status: 502, body: "bad gateway", times: 200 });
    receiver.mode = { kind: "status", status: 500, body: "no" };
    sim.github.model.commit("master", "openssl: 3.5 -> 3.6");
    await cli("tick (upstream failing)", ["tick"]);
    const status = await cli("status --json", ["status", "--json"]);
    expect(status.stdout).toContain("nixos-unstable");
    await cli("refused database", ["status"], {
      DATABASE_URL: `postgres://floodgate:${PLANTED.dbPassword}@127.0.0.1:1/floodgate`,
    });
    await cli("bad config", ["status"], { FLOODGATE_WEBHOOK_URL: "not a url" });
    for (const { what, text } of captured)
      expect({ what, leaks: leaks(text) }).toEqual({ what, leaks: [] });
    sim.github.faults.clear();
    sim.hydra.faults.clear();
  });

  it("keeps them out of serve's log, pages, JSON, metrics and error bodies", {
    timeout: 300_000,
  }, async () => {
    const serve = await startServe(env);
    const base = `http://127.0.0.1:${serve.port}`;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const requests: [string, RequestInit?][] = [
      ["/"],
      ["/channels/nixos-unstable"],
      ["/api/v1/channels"],
      ["/api/v1/channels/nixos-unstable"],
      ["/api/v1/channels/nixos-unstable/audit"],
      ["/api/v1/alerts"],
      ["/metrics"],
      ["/api/v1/openapi.json"],
      ["/no/such/page"],
      [
        "/api/v1/channels/nixos-unstable/freeze",
        { method: "POST", headers: bearer("wrong-token-000000000") },
      ],
      [
        "/api/v1/channels/nixos-unstable/freeze",
        {
          method: "POST",
          headers: { ...bearer(PLANTED.adminToken), "content-type": "application/json" },
          body: '{"reason":"secrets test"}',
        },
      ],
      ["/api/v1/channels/nixos-unstable/audit"],
      [
        "/api/v1/channels/nixos-unstable/pin",
        { method: "POST", headers: bearer(PLANTED.adminToken), body: "{not json" },
      ],
    ];
    const statuses: number[] = [];
    for (const [path, init] of requests) {
      const res = await fetch(`${base}${path}`, init);
      statuses.push(res.status);
      captured.push({
        what: `serve ${init?.method ?? "GET"} ${path}`,
        text: `${JSON.stringify([...res.headers])}\n${await res.text()}`,
      });
    }
    expect(statuses).toContain(401);
    expect(statuses[10]).toBe(200);
    await serve.stop();
    captured.push({ what: "serve log", text: serve.output() });
    for (const { what, text } of captured)
      expect({ what, leaks: leaks(text) }).toEqual({ what, leaks: [] });
  });
});
