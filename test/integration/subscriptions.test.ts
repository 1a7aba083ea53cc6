import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverPendingAlerts } from "../../src/alerts/deliver-alerts.ts";
import { createGuardedPoster } from "../../src/alerts/subscriptions/guarded-poster.node.ts";
import { tickAll } from "../../src/channels/tick-all.ts";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { alerts, releaseCommits } from "../../src/db/schema.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { simChannel } from "../../src/sim/sim-channels.ts";
import {
  type AlertReceiver,
  MINUTE,
  manualClock,
  type ReceivedPost,
  startAlertReceiver,
} from "../support/alert-receiver.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const CHANNELS = [
  simChannel("nixos-unstable-small"),
  scenarioChannels.find((c) => c.name === "nixos-unstable"),
];

/** Names the test's resolver knows: one public-looking name that points inside the network. */
const DNS: Record<string, string[]> = { "hooks.evil.example": ["203.0.113.7", "10.1.2.3"] };

interface Made {
  token: string;
  secret: string | null;
  feedUrl: string | null;
  channels: string[];
}

describe("subscriptions, delivered to real HTTP servers on 127.0.0.1", () => {
  let h: Harness;
  let hook: AlertReceiver;
  let cancelled: AlertReceiver;
  let redirector: Server;
  let redirectUrl = "";
  const clock = manualClock();

  beforeAll(async () => {
    hook = await startAlertReceiver();
    cancelled = await startAlertReceiver();
    // A webhook that sends floodgate to the cloud metadata address.
    redirector = createServer((_req, res) => {
      res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
    });
    await new Promise<void>((done) => redirector.listen(0, "127.0.0.1", done));
    redirectUrl = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hook`;
    h = await startHarness(
      {
        FLOODGATE_SUBSCRIPTION_ALLOW_LOOPBACK: "1",
        FLOODGATE_SUBSCRIPTIONS_PER_CLIENT_HOUR: "4",
        FLOODGATE_SUBSCRIPTIONS_PER_TARGET: "1",
      },
      {
        channels: CHANNELS,
        clock,
        deps: () => ({
          subscriptionPoster: createGuardedPoster({
            allowLoopback: true,
            resolve: async (name) => DNS[name] ?? [],
            timeoutMs: 2_000,
          }),
        }),
      },
    );
  });
  afterAll(async () => {
    await h.close();
    await hook.close();
    await cancelled.close();
    await new Promise((done) => redirector.close(done));
  });

  const small = () => h.channel("nixos-unstable-small");
  const unstable = () => h.channel("nixos-unstable");

  async function release(spec: ReturnType<typeof small>): Promise<void> {
    const ev = await h.sim.evaluate(spec);
    h.sim.hydra.model.finishEval(ev.evalId);
    expect(await tickChannel(h.deps, spec)).toMatchObject({ kind: "advanced" });
  }

  async function subscribe(body: Record<string, unknown>) {
    return h.app.request("/api/v1/subscriptions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  async function made(body: Record<string, unknown>): Promise<Made> {
    const res = await subscribe(body);
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as Made;
  }

  const landed = (r: AlertReceiver) => r.delivered.filter((p) => p.body.kind === "landed");
  const signed = (post: ReceivedPost, secret: string) =>
    post.headers["x-floodgate-signature"] ===
    `sha256=${createHmac("sha256", secret).update(post.raw).digest("hex")}`;

  it("delivers one signed notice per channel reached, retries a 500, ends after the last channel", async () => {
    h.seedBranches();
    await release(small());
    await release(unstable());
    const sha = h.sim.github.model.commit("master", "hello: 2.13 -> 2.14");
    h.sim.github.model.addPull({
      number: 7001,
      title: "hello",
      mergeCommitSha: sha,
      baseRef: "master",
    });

    const pr = await made({
      kind: "pr",
      subject: "7001",
      delivery: "webhook",
      url: `${hook.url}/pr`,
    });
    expect(pr.channels).toEqual(["nixos-unstable-small", "nixos-unstable"]);
    expect(pr.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const secret = pr.secret ?? "";
    // The test delivery at creation is signed with the new secret too.
    expect(hook.delivered.map((p) => p.body.type)).toEqual(["subscription.created"]);
    expect(signed(hook.delivered[0] as ReceivedPost, secret)).toBe(true);

    // One live subscription per URL here: a second one to the same webhook is refused.
    const again = await subscribe({
      kind: "pr",
      subject: "7001",
      delivery: "webhook",
      url: `${hook.url}/pr`,
    });
    expect(again.status).toBe(429);
    expect(await again.text()).toContain("at most 1 live subscriptions per URL");

    const gone = await made({
      kind: "commit",
      subject: sha,
      delivery: "webhook",
      url: `${cancelled.url}/c`,
    });
    const del = await h.app.request(`/api/v1/subscriptions/${gone.token}`, { method: "DELETE" });
    expect(await del.json()).toMatchObject({ endReason: "cancelled" });
    const feed = await made({ kind: "channel", subject: "nixos-unstable", delivery: "feed" });
    await h.deps.lookupWrites.settled();

    // nixos-unstable-small gets it first; the webhook is down (500) for the first try.
    h.sim.github.model.commit("master", "later work");
    hook.mode = { kind: "status", status: 500, body: "oops" };
    await release(small());
    await deliverPendingAlerts(h.deps, { budgetMs: 10_000 });
    expect(hook.attempts).toBeGreaterThanOrEqual(2);
    expect(landed(hook)).toHaveLength(0);
    hook.mode = { kind: "ok" };
    clock.advance(5 * MINUTE);
    await deliverPendingAlerts(h.deps, { budgetMs: 10_000 });
    expect(landed(hook).map((p) => p.body.channel)).toEqual(["nixos-unstable-small"]);

    await release(unstable());
    h.sim.github.model.commit("master", "more work");
    await release(small());
    clock.advance(5 * MINUTE);
    await deliverPendingAlerts(h.deps, { budgetMs: 10_000 });
    await deliverPendingAlerts(h.deps, { budgetMs: 10_000 });
    const notices = landed(hook);
    expect(notices.map((p) => p.body.channel)).toEqual(["nixos-unstable-small", "nixos-unstable"]);
    for (const post of notices) expect(signed(post, secret)).toBe(true);
    expect(notices[1]?.body.data).toMatchObject({
      remaining: [],
      subject: { kind: "pr", id: "7001" },
    });
    expect(cancelled.delivered.filter((p) => p.body.kind !== undefined)).toHaveLength(0);

    const read = await h.app.request(`/api/v1/subscriptions/${pr.token}`);
    expect(await read.json()).toMatchObject({
      endReason: "landed",
      reached: ["nixos-unstable-small", "nixos-unstable"],
      notices: [{ state: "sent" }, { state: "sent" }],
    });
    // The channel subscription's private feed has nixos-unstable's advance, nothing of -small.
    const atom = await (await h.app.request(new URL(feed.feedUrl ?? "").pathname)).text();
    expect(atom).toContain("nixos-unstable advanced");
    expect(atom).not.toContain("nixos-unstable-small");
    // Subscribers' notices stay out of the public alert list.
    const publicAlerts = await (await h.app.request("/api/v1/alerts")).text();
    expect(publicAlerts).not.toContain("landed in");
  }, 300_000);

  it("refuses URLs that reach inside the network with a 400 naming why", async () => {
    const refusals: [string, RegExp][] = [
      ["https://10.0.0.1/hook", /private address \(10\.0\.0\.0\/8\)/],
      ["https://192.168.1.10/hook", /private address \(192\.168/],
      ["https://169.254.169.254/latest/meta-data/", /link-local.*metadata/],
      ["https://[fd00::1]/hook", /private address \(fc00::\/7\)/],
      ["https://[::ffff:10.0.0.1]/hook", /10\.0\.0\.0\/8.*IPv4-mapped/],
      ["https://hooks.evil.example/hook", /resolves to 10\.1\.2\.3, a private address/],
      [redirectUrl, /redirects \(302\) to http:\/\/169\.254\.169\.254/],
      ["ftp://example.org/hook", /only https/],
    ];
    for (const [url, why] of refusals) {
      const res = await subscribe({
        kind: "channel",
        subject: "nixos-unstable",
        delivery: "webhook",
        url,
      });
      expect(res.status, url).toBe(400);
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message, url).toMatch(why);
    }
  });

  it("subscribes from the PR page's form without JavaScript, then limits the client with 429", async () => {
    const prPage = await (await h.app.request("/prs/7001")).text();
    expect(prPage).toContain('action="/subscriptions" method="post"');
    // Three were made above; the fourth (the form's) is the last this hour.
    const form = new URLSearchParams({ kind: "pr", subject: "7001", delivery: "feed", url: "" });
    h.sim.github.model.addPull({
      number: 7002,
      title: "open",
      mergeCommitSha: null,
      baseRef: "master",
    });
    form.set("subject", "7002");
    const res = await h.app.request("/subscriptions", { method: "POST", body: form });
    const page = await res.text();
    expect(res.status, page).toBe(201);
    const feedPath = /\/feeds\/subscriptions\/[A-Za-z0-9_-]{43}\.atom/.exec(page)?.[0] ?? "";
    expect((await h.app.request(feedPath)).status).toBe(200);
    // It merges afterwards and reaches nixos-unstable-small before anyone looks it up again: a
    // plain tick (what cron's `floodgate tick` runs, no scheduler) learns the merge and tells it.
    const merged = h.sim.github.model.commit("master", "open: merged");
    h.sim.github.model.addPull({
      number: 7002,
      title: "open",
      mergeCommitSha: merged,
      baseRef: "master",
    });
    await release(small());
    clock.advance(11 * MINUTE);
    await tickAll(h.deps, "nixos-unstable");
    const atom = await (await h.app.request(feedPath)).text();
    expect(atom).toContain("#7002 landed in nixos-unstable-small");
    const limited = await subscribe({
      kind: "channel",
      subject: "nixos-unstable",
      delivery: "feed",
    });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { message: string } }).error.message).toMatch(
      /at most 4 subscriptions an hour/,
    );
  }, 120_000);

  it("tells a PR whose landings were not recorded, from GitHub's compare in a plain tick", async () => {
    clock.advance(61 * MINUTE);
    h.sim.github.model.addPull({
      number: 7003,
      title: "late",
      mergeCommitSha: null,
      baseRef: "master",
    });
    const sub = await made({ kind: "pr", subject: "7003", delivery: "feed" });
    expect(sub.channels).toEqual(["nixos-unstable-small", "nixos-unstable"]);
    const feedPath = new URL(sub.feedUrl ?? "").pathname;
    // It merges, and both channels release it while floodgate still knows the PR as open.
    const sha = h.sim.github.model.commit("master", "late: merged");
    h.sim.github.model.addPull({
      number: 7003,
      title: "late",
      mergeCommitSha: sha,
      baseRef: "master",
    });
    h.sim.github.model.commit("master", "after late");
    await release(small());
    await release(unstable());
    // As when a release brings more commits than recordLandings keeps (MAX_LANDED_COMMITS).
    await h.deps.db.delete(releaseCommits).where(eq(releaseCommits.sha, sha));
    expect(await (await h.app.request(feedPath)).text()).not.toContain("landed in");

    clock.advance(11 * MINUTE);
    await tickAll(h.deps, "nixos-unstable");
    const atom = await (await h.app.request(feedPath)).text();
    expect(atom).toContain("#7003 landed in nixos-unstable-small");
    expect(atom).toContain("#7003 landed in nixos-unstable (");
    const read = await h.app.request(`/api/v1/subscriptions/${sub.token}`);
    expect(await read.json()).toMatchObject({ endReason: "landed" });
    // What the compare found is recorded: the next lookup needs no GitHub read.
    const recorded = await h.deps.db
      .select()
      .from(releaseCommits)
      .where(eq(releaseCommits.sha, sha));
    expect(recorded).toHaveLength(2);
    // A commit in every channel with no recorded landing is known as such at creation too.
    await h.deps.db.delete(releaseCommits).where(eq(releaseCommits.sha, sha));
    const late = await subscribe({ kind: "commit", subject: sha, delivery: "feed" });
    expect(late.status).toBe(400);
    expect(await late.text()).toContain("has landed in every channel already");

    // The feed is answered from memory until one of its channels announces a change.
    const [notice] = await h.deps.db
      .select()
      .from(alerts)
      .where(like(alerts.summary, "#7003 landed in%"))
      .limit(1);
    const { id: _, ...copy } = notice ?? expect.unreachable("no notice");
    await h.deps.db
      .insert(alerts)
      .values({ ...copy, dedupeKey: "test:unannounced", summary: "quiet" });
    expect(await (await h.app.request(feedPath)).text()).not.toContain("quiet");
    await h.deps.changes.channelChanged("nixos-unstable");
    expect(await (await h.app.request(feedPath)).text()).toContain("quiet");
  }, 120_000);
});
