// A storm of "has my commit landed?" lookups against the simulator's GitHub, with the default
// lookup limits: how many GitHub requests each storm costs, what clients get, and what the tick
// has left. Run: npx tsx bench/lookup-storm.ts [storm-size]
import { randomBytes } from "node:crypto";
import { tickChannel } from "../src/channels/tick-channel.ts";
import { serveOnLoopback } from "../src/sim/serve.node.ts";
import { startHarness } from "../test/support/harness.ts";

const size = Number(process.argv[2] ?? 2000);
const h = await startHarness({ FLOODGATE_LOOKUP_CLIENT_IP_HEADER: "x-bench-client" });
const server = await serveOnLoopback(h.app);
const bucket = h.sim.github.rateLimits.authenticated;
const randomPrefix = () => randomBytes(4).toString("hex").slice(0, 7);

interface Row {
  storm: string;
  lookups: number;
  githubRequests: number;
  answers: string;
  githubRemaining: number;
  seconds: number;
}
const rows: Row[] = [];

async function storm(name: string, paths: { path: string; client: string }[], concurrency = 20) {
  const before = h.sim.github.requests.length;
  const started = performance.now();
  const statuses = new Map<number, number>();
  const queue = [...paths];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const res = await fetch(`${server.url}${next.path}`, {
        headers: { "x-bench-client": next.client },
      });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  rows.push({
    storm: name,
    lookups: paths.length,
    githubRequests: h.sim.github.requests.length - before,
    answers: [...statuses].map(([s, n]) => `${s}×${n}`).join(" "),
    githubRemaining: bucket.limit - bucket.used,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  });
}

try {
  const nixos = h.channel("nixos-unstable");
  h.seedBranches();
  const advance = async () => {
    h.sim.github.model.commit("master", `work ${randomPrefix()}`);
    const ev = await h.sim.evaluate(nixos);
    h.sim.hydra.model.finishEval(ev.evalId);
    const outcome = await tickChannel(h.deps, nixos);
    if (outcome.kind !== "advanced") throw new Error(`expected an advance: ${outcome.summary}`);
  };
  await advance();
  const unknown = (n: number, client: (i: number) => string) =>
    Array.from({ length: n }, (_, i) => ({
      path: `/api/v1/commits/${randomPrefix()}`,
      client: client(i),
    }));
  await storm(
    "200 unknown shas, one client",
    unknown(200, () => "198.51.100.1"),
  );
  const sha = randomPrefix();
  const same = Array.from({ length: 20 }, (_, i) => ({
    path: `/api/v1/commits/${sha}`,
    client: `192.0.2.${i}`,
  }));
  await storm("20 concurrent, same unknown sha", same);
  await storm("the same 20 again (negative cache)", same);
  // GitHub's window 10 requests above the tick's reserve (the tick's next read reports it).
  bucket.used = bucket.limit - h.config.lookups.githubReserve - 10;
  await advance();
  await storm(
    "200 unknown shas, 200 clients, GitHub near the reserve",
    unknown(200, (i) => `203.0.113.${i}`),
  );
  // GitHub's next hour: a new reset time, the whole limit again.
  bucket.used = 0;
  bucket.reset += 3600;
  await advance();
  await storm(
    `${size} unknown shas, ${size} clients`,
    unknown(size, (i) => `2001:db8:${i.toString(16)}::1`),
  );
  const beforeTick = h.sim.github.requests.length;
  await advance();
  const tickRequests = h.sim.github.requests.slice(beforeTick);
  console.table(rows);
  console.log(
    `tick after the storms: advanced with ${tickRequests.length} GitHub requests, ` +
      `${tickRequests.filter((r) => (r.status ?? 0) >= 400).length} refused`,
  );
} finally {
  await server.close();
  await h.close();
}
