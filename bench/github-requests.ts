// GitHub requests floodgate makes per tick against the simulator: idle (and how many are 304s,
// which cost no rate limit), per advance, and per "has my PR landed?" lookup.
// Run: npx tsx bench/github-requests.ts [commits-per-advance]
import { tickAll } from "../src/channels/tick-all.ts";
import { tickChannel } from "../src/channels/tick-channel.ts";
import { startHarness } from "../test/support/harness.ts";

const commitsPerAdvance = Number(process.argv[2] ?? 40);
const h = await startHarness();

interface Sample {
  what: string;
  requests: number;
  notModified: number;
  rateLimitSpent: number;
  byEndpoint: string;
}
const samples: Sample[] = [];

async function measure(what: string, act: () => unknown): Promise<void> {
  const before = h.sim.github.requests.length;
  const used = h.sim.github.rateLimits.authenticated.used;
  await act();
  const made = h.sim.github.requests.slice(before);
  const endpoint = (path: string) =>
    (/\/repos\/[^/]+\/[^/]+\/([a-z]+)/.exec(path)?.[1] ?? path) +
    (path.includes("/git/refs") ? "(PATCH)" : "");
  const counts = new Map<string, number>();
  for (const r of made) counts.set(endpoint(r.path), (counts.get(endpoint(r.path)) ?? 0) + 1);
  samples.push({
    what,
    requests: made.length,
    notModified: made.filter((r) => r.status === 304).length,
    rateLimitSpent: h.sim.github.rateLimits.authenticated.used - used,
    byEndpoint: [...counts].map(([k, n]) => `${k}×${n}`).join(" "),
  });
}

try {
  const nixos = h.channel("nixos-unstable");
  h.seedBranches();
  const advance = async () => {
    for (let i = 0; i < commitsPerAdvance; i++) h.sim.github.model.commit("master", `work ${i}`);
    const ev = await h.sim.evaluate(nixos);
    h.sim.hydra.model.finishEval(ev.evalId);
    const outcome = await tickChannel(h.deps, nixos);
    if (outcome.kind !== "advanced") throw new Error(`expected an advance: ${outcome.summary}`);
  };
  await measure(`first advance (${commitsPerAdvance} new commits)`, advance);
  await measure("first tick after an advance", () => tickChannel(h.deps, nixos));
  await measure("idle tick, one channel", () => tickChannel(h.deps, nixos));
  await measure("idle tick, both channels (tickAll)", () => tickAll(h.deps));
  await measure(`advance (${commitsPerAdvance} new commits)`, advance);
  await measure("first tick after an advance", () => tickChannel(h.deps, nixos));
  await measure("idle tick, one channel", () => tickChannel(h.deps, nixos));
  const sha = h.sim.github.model.commit("master", "hello: 2.13 -> 2.14");
  await measure("master moved by 1 commit, no new eval", () => tickChannel(h.deps, nixos));
  await measure("GET /api/v1/commits/{sha}, first", () => h.app.request(`/api/v1/commits/${sha}`));
  await measure("GET /api/v1/commits/{sha}, again", () => h.app.request(`/api/v1/commits/${sha}`));
  console.table(samples);
} finally {
  await h.close();
}
