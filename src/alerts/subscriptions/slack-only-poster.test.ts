import { describe, expect, it } from "vitest";
import { createSlackOnlyPoster, refusedOnWorkers } from "./slack-only-poster.ts";

const SLACK = "https://hooks.slack.com/services/T000/B000/XXXX";

describe("the Workers subscription poster (Slack's fixed host only)", () => {
  it.each([
    ["https://hooks.example.org/webhook", /posts only to Slack.*DNS rebinding/],
    ["https://hooks.slack.com.evil.example/services/x", /posts only to Slack/],
    ["https://hooks.slack.com:8443/services/x", /posts only to Slack/],
    ["https://hooks.slack.com/api/other", /posts only to Slack/],
    ["http://hooks.slack.com/services/x", /only https/],
    ["https://user:pw@hooks.slack.com/services/x", /user name or password/],
    ["https://10.0.0.1/services/x", /private address/],
  ])("refuses %s before any request", async (url, why) => {
    expect(refusedOnWorkers(url)).toMatch(why);
    const calls: string[] = [];
    const poster = createSlackOnlyPoster({
      fetch: async (input) => {
        calls.push(String(input));
        return new Response("ok");
      },
    });
    const answer = await poster.post(url, "{}", {});
    expect(answer).toMatchObject({ kind: "refused" });
    expect(calls).toEqual([]);
  });

  it("posts to Slack without following redirects, and caps the answer", async () => {
    const seen: RequestInit[] = [];
    const answers = [
      new Response("ok", { status: 200 }),
      new Response(null, { status: 302, headers: { location: "http://169.254.169.254/" } }),
      new Response("x".repeat(100), { status: 200 }),
      new Response("slow down", { status: 429, headers: { "retry-after": "30" } }),
    ];
    const poster = createSlackOnlyPoster({
      maxResponseBytes: 50,
      fetch: async (_input, init) => {
        seen.push(init ?? {});
        return answers.shift() ?? new Response("", { status: 500 });
      },
    });
    const signed = { "x-floodgate-signature": "sha256=ab" };
    expect(await poster.post(SLACK, '{"text":"hi"}', signed)).toMatchObject({
      kind: "answered",
      status: 200,
    });
    expect(seen[0]).toMatchObject({ method: "POST", redirect: "manual", body: '{"text":"hi"}' });
    expect(seen[0]?.headers).toMatchObject(signed);
    expect(await poster.post(SLACK, "{}", {})).toMatchObject({
      status: 302,
      location: "http://169.254.169.254/",
    });
    expect(await poster.post(SLACK, "{}", {})).toMatchObject({ kind: "failed" });
    expect(await poster.post(SLACK, "{}", {})).toMatchObject({ status: 429, retryAfter: "30" });
  });

  it("counts a network failure as no answer (retried later)", async () => {
    const poster = createSlackOnlyPoster({
      fetch: async () => {
        throw new TypeError("network down");
      },
    });
    expect(await poster.post(SLACK, "{}", {})).toEqual({ kind: "failed", error: "network down" });
  });
});
