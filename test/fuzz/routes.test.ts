import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { ownerControlApp } from "../../src/entry/owner-control.node.ts";
import { type Harness, startHarness } from "../support/harness.ts";

// Property tests of every public route through app.request: whatever a client puts in the path,
// the query, the headers or a POST body, the answer is 2xx, 3xx or 4xx with a clear JSON or HTML
// message, never a 500 nor a stack trace, and never a byte of a file outside the release storage.
// Seeded and with fixed run counts, so a failure replays and the suite's time stays bounded.
const SEED = 20261128;
const RUNS = {
  paths: 250,
  queries: 150,
  climb: 300,
  ranges: 400,
  headers: 150,
  admin: 150,
  control: 100,
};
const TOKEN = "fuzz0123456789abcdef0123456789ab";
const CONTROL_TOKEN = "control0123456789abcdef012345678";
// Planted beside and above the storage folder: no answer may ever contain it.
const OUTSIDE = "OUTSIDE-STORAGE-7f3a9c";

type Answer = { status: number; body: string; path: string };

/** What every answer must be: a 2xx/3xx/4xx that says what was wrong, with nothing from outside. */
function checkAnswer(a: Answer): void {
  const where = { path: a.path.slice(0, 120), status: a.status, body: a.body.slice(0, 200) };
  expect(where.status, JSON.stringify(where)).toBeGreaterThanOrEqual(200);
  expect(where.status, JSON.stringify(where)).toBeLessThan(500);
  expect(a.body, JSON.stringify(where)).not.toContain(OUTSIDE);
  expect(a.body, JSON.stringify(where)).not.toMatch(/\s+at \S+ \(|root:x:0:0|ENAMETOOLONG/);
  if (a.status >= 400) {
    // A JSON error names its code and a message; an HTML error page has a heading.
    const clear =
      /"error":\{"code":"[A-Z_]+","message":"[^"]+/.test(a.body) || /<h1|<h2/.test(a.body);
    expect(clear, JSON.stringify(where)).toBe(true);
  }
}

const channelNames = ["nixos-unstable", "nixpkgs-unstable"];
const hostile = fc.constantFrom(
  "..",
  ".",
  "%2e%2e",
  "%2E%2e%2f",
  "..%2f..%2f",
  "%2f",
  "%5c",
  "..%5c..",
  "%00",
  "a%00b",
  "%",
  "%zz",
  "%c0%ae%c0%ae",
  "%ff%fe",
  "~root",
  "*",
  "{channel}",
  "..;",
  "-1",
  "0",
  "1e9",
  "0x1f",
  "99999999999999999999",
  "NaN",
  " ",
  "%20",
  "%0d%0aSet-Cookie:%20x=1",
  "\u202e",
  "😀",
  "nixos-unstable",
  "nixexprs.tar.xz",
  "git-revision",
  "latest-nixos-minimal-x86_64-linux.iso",
  "a".repeat(256),
  "b".repeat(1100),
  "%41".repeat(1100),
);
const hex = fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF"), maxLength: 45 });
const text = fc.string({ unit: "binary", maxLength: 40 });
/** A path segment as a client could send it: raw (the URL parser encodes it) or encoded. */
const segment = fc.oneof(
  { weight: 3, arbitrary: hostile },
  { weight: 2, arbitrary: text.map(encodeURIComponent) },
  { weight: 1, arbitrary: text.map(encodeURI) },
  { weight: 2, arbitrary: hex },
  { weight: 1, arbitrary: fc.nat().map(String) },
  { weight: 1, arbitrary: fc.constantFrom(...channelNames) },
);
const number = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String),
  fc.double().map(String),
  fc.constantFrom("1", "365", "366", "100", "101", "1e2", "2.5", "-0", "0x10", "Infinity", ""),
);
const cursor = fc.oneof(
  fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 16n }), fc.bigInt({ min: 0n, max: 10n ** 11n }))
    .map(([ms, id]) => `${ms}-${id}`),
  fc.constantFrom("9999999999999-2147483648", "999999999999999-1", "1-9999999999", "-1-1"),
  number,
);
/** One query parameter: the numbers and cursors routes read, or anything under any name. */
const param = fc.oneof(
  fc.tuple(fc.constantFrom("days", "limit", "before", "pr"), number),
  fc.tuple(fc.constant("before"), cursor),
  fc.tuple(
    fc.constantFrom("channel", "q", "rev", "junk", "days", "limit", "before"),
    fc.oneof(hostile, text.map(encodeURIComponent)),
  ),
);
const query = fc
  .array(param, { maxLength: 3 })
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}` : ""));

type Template = (s: string[], q: string) => string;
const TEMPLATES: Template[] = [
  ([a], q) => `/${a}${q}`,
  ([a, b], q) => `/${a}/${b}${q}`,
  ([a, b]) => `/releases/${a}/${b}`,
  ([a, b, c]) => `/releases/${a}/${b}/${c}`,
  ([a]) => `/releases/nixos/unstable/${a}`,
  ([a, b]) => `/releases/${a}/${b}/`,
  ([a], q) => `/channels/${a}${q}`,
  ([a]) => `/api/v1/channels/${a}`,
  ([a], q) => `/api/v1/channels/${a}/releases${q}`,
  ([a], q) => `/api/v1/channels/${a}/lag${q}`,
  ([a]) => `/api/v1/channels/${a}/audit`,
  (_, q) => `/api/v1/alerts${q}`,
  ([a]) => `/api/v1/commits/${a}`,
  ([a]) => `/api/v1/prs/${a}`,
  ([a]) => `/commits/${a}`,
  ([a]) => `/prs/${a}`,
  (_, q) => `/landed${q}`,
  (_, q) => `/pr-tracker.html${q}`,
  ([a]) => `/history/${a}`,
  ([a]) => `/feeds/${a}.atom`,
  ([a]) => `/badges/${a}.svg`,
  ([a]) => `/assets/${a}`,
  (_, q) => `/${q}`,
  (_, q) => `/metrics${q}`,
  (_, q) => `/api/v1/channels${q}`,
];
const publicPath = fc
  .tuple(fc.constantFrom(...TEMPLATES), fc.array(segment, { minLength: 3, maxLength: 3 }), query)
  .map(([template, segments, q]) => template(segments, q));

describe("hostile input: every route's parameters", () => {
  let h: Harness;
  let releaseFile = "";
  let fileSize = 0;

  const get = async (path: string, headers: Record<string, string> = {}): Promise<Answer> => {
    let url: URL;
    try {
      url = new URL(path, "http://floodgate.test");
    } catch {
      return { status: 400, body: '"error":{"code":"X","message":"unparsable"}', path };
    }
    const res = await h.app.request(url.toString(), { headers });
    return { status: res.status, body: await res.text(), path };
  };

  beforeAll(async () => {
    h = await startHarness({ FLOODGATE_ADMIN_TOKEN: `fuzz:${TOKEN}` });
    h.seedBranches();
    const nixos = h.channel("nixos-unstable");
    const ev = await h.sim.evaluate(nixos);
    h.sim.hydra.model.finishEval(ev.evalId);
    expect((await tickChannel(h.deps, nixos)).kind).toBe("advanced");
    const location = (await h.app.request("/nixos-unstable")).headers.get("location") ?? "";
    releaseFile = `${new URL(location, "http://floodgate.test").pathname}/git-revision`;
    fileSize = (await (await h.app.request(releaseFile)).arrayBuffer()).byteLength;
    const storage = h.config.storage.kind === "file" ? h.config.storage.dir : "";
    // Files a path escaping the storage folder would reach (its parent is the data dir).
    const outside = dirname(storage);
    mkdirSync(join(outside, "nixos"), { recursive: true });
    for (const file of ["secret", "nixexprs.tar.xz", "nixos/secret"]) {
      writeFileSync(join(outside, file), OUTSIDE);
    }
  });
  afterAll(() => h?.close());

  it(`public GET paths and query strings: 2xx/3xx/4xx with a message, never a 500 (${RUNS.paths} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(publicPath, async (path) => checkAnswer(await get(path))),
      { numRuns: RUNS.paths, seed: SEED },
    );
    expect(h.logs.filter((l) => l.includes('"request failed"'))).toEqual([]);
  });

  it(`query strings on the routes that read them (days=, limit=, before=, channel=, q=): never a 500 (${RUNS.queries} cases)`, async () => {
    const route = fc.constantFrom(
      "/api/v1/channels/nixos-unstable/releases",
      "/api/v1/channels/nixos-unstable/lag",
      "/api/v1/alerts",
      "/landed",
      "/pr-tracker.html",
      "/channels/nixos-unstable",
      "/nixos-unstable/nixexprs.tar.xz",
    );
    await fc.assert(
      fc.asyncProperty(route, query, async (r, q) => checkAnswer(await get(`${r}${q}`))),
      { numRuns: RUNS.queries, seed: SEED },
    );
    expect(h.logs.filter((l) => l.includes('"request failed"'))).toEqual([]);
  });

  it(`paths that climb out of storage: never a planted file (${RUNS.climb} cases)`, async () => {
    const climb = fc.constantFrom("..", "%2e%2e", "%2E.", ".%2e", "..%2f", "%2e%2e%5c", "..\\");
    const target = fc.constantFrom("secret", "nixexprs.tar.xz", "nixos/secret", "etc/passwd");
    const prefix = fc.constantFrom(
      "/releases",
      "/releases/nixos",
      "/nixos-unstable",
      "/assets",
      "",
    );
    await fc.assert(
      fc.asyncProperty(
        prefix,
        fc.array(climb, { minLength: 1, maxLength: 8 }),
        target,
        (p, up, t) => get(`${p}/${up.join("/")}/${t}`).then(checkAnswer),
      ),
      { numRuns: RUNS.climb, seed: SEED },
    );
  });

  it(`Range headers on a release file: 200, 206 inside the file or 416, never more (${RUNS.ranges} cases)`, async () => {
    const spec = fc.oneof(
      fc.tuple(fc.option(fc.integer({ min: -5, max: 200 })), fc.option(fc.nat({ max: 200 }))),
    );
    const range = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .array(spec, { minLength: 1, maxLength: 300 })
        .map((specs) => `bytes=${specs.map(([a, b]) => `${a ?? ""}-${b ?? ""}`).join(",")}`),
      fc.constantFrom("bytes=", "bytes=-", "bytes=0-0", "bytes=99999999999999999999-", "items=0-1"),
    );
    await fc.assert(
      fc.asyncProperty(range, fc.boolean(), async (header, head) => {
        const res = await h.app.request(releaseFile, {
          method: head ? "HEAD" : "GET",
          headers: { Range: header },
        });
        const body = await res.arrayBuffer();
        expect([200, 206, 416]).toContain(res.status);
        if (res.status === 416) {
          expect(res.headers.get("content-range")).toBe(`bytes */${fileSize}`);
        }
        if (res.status === 206 && !head) {
          const [, start, end] = /^bytes (\d+)-(\d+)\/\d+$/.exec(
            res.headers.get("content-range") ?? "",
          ) ?? ["", "-1", "-1"];
          expect(body.byteLength).toBe(Number(end) - Number(start) + 1);
          expect(Number(end)).toBeLessThan(fileSize);
        }
      }),
      { numRuns: RUNS.ranges, seed: SEED },
    );
  });

  it(`huge and many headers on every kind of route: never a 500 (${RUNS.headers} cases)`, async () => {
    const name = fc.constantFrom(
      "If-None-Match",
      "If-Modified-Since",
      "Accept-Encoding",
      "Authorization",
      "X-Forwarded-For",
      "Cookie",
      "Range",
      "X-Junk",
    );
    const value = fc.oneof(
      fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
      fc.nat({ max: 64 * 1024 }).map((n) => "x".repeat(n)),
      fc.nat({ max: 2000 }).map((n) => Array(n).fill('"etag"').join(",")),
    );
    const path = fc.constantFrom(
      "/",
      "/nixos-unstable",
      releaseFile,
      "/api/v1/channels",
      "/api/v1/commits/0123456",
      "/assets/nothing.js",
      "/feeds/all.atom",
      "/api/v1/channels/nixos-unstable/freeze",
    );
    const many = fc.dictionary(
      fc.stringMatching(/^X-[A-Za-z]{1,12}$/),
      fc.string({ maxLength: 50 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
      { maxKeys: 200 },
    );
    await fc.assert(
      fc.asyncProperty(path, fc.array(fc.tuple(name, value), { maxLength: 6 }), many, (p, hs, m) =>
        get(p, { ...m, ...Object.fromEntries(hs) }).then(checkAnswer),
      ),
      { numRuns: RUNS.headers, seed: SEED },
    );
  });

  const anyBody = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .record(
        {
          release: fc.oneof(text, fc.jsonValue()),
          reason: fc.oneof(text, fc.jsonValue()),
          eval: fc.oneof(fc.integer(), fc.double(), text, fc.bigInt().map(String)),
          constituents: fc.oneof(fc.array(text, { maxLength: 5 }), fc.jsonValue()),
          input: fc.jsonValue(),
          actor: fc.jsonValue(),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
    text,
    fc.constantFrom("", "{", "null", "[]", '{"__proto__":{"x":1}}', "\0", "x".repeat(20_000)),
  );
  const action = fc.constantFrom("freeze", "unfreeze", "pin", "unpin", "retry", "accept", "nope");

  it(`admin API POST bodies, tokens and channels: 2xx/4xx, never a 500 (${RUNS.admin} cases)`, async () => {
    const auth = fc.constantFrom(
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
      "",
      "Bearer",
      `Basic ${TOKEN}`,
    );
    const channel = fc.oneof(fc.constantFrom("nixpkgs-unstable"), segment);
    await fc.assert(
      fc.asyncProperty(action, channel, anyBody, auth, async (a, c, body, authorization) => {
        const path = `/api/v1/channels/${c}/${a}`;
        const res = await h.app.request(`http://floodgate.test${path}`, {
          method: "POST",
          headers: { authorization, "content-type": "application/json" },
          body,
        });
        checkAnswer({ status: res.status, body: await res.text(), path });
      }),
      { numRuns: RUNS.admin, seed: SEED },
    );
    expect(h.logs.filter((l) => l.includes('"request failed"'))).toEqual([]);
  });

  it(`serve's control endpoint: bodies, actions and channels give 2xx/4xx, never a 500 (${RUNS.control} cases)`, async () => {
    const control = ownerControlApp(h, CONTROL_TOKEN);
    const route = fc.oneof(
      fc
        .tuple(action, fc.oneof(fc.constant("nixpkgs-unstable"), segment))
        .map(([a, c]) => `/admin/${a}/${c}`),
      fc.oneof(hostile, text.map(encodeURIComponent)).map((c) => `/tick?channel=${c}`),
    );
    await fc.assert(
      fc.asyncProperty(route, anyBody, fc.boolean(), async (path, body, authorized) => {
        const res = await control.request(`http://127.0.0.1${path}`, {
          method: "POST",
          headers: { authorization: authorized ? `Bearer ${CONTROL_TOKEN}` : "Bearer x" },
          body,
        });
        checkAnswer({ status: res.status, body: await res.text(), path });
      }),
      { numRuns: RUNS.control, seed: SEED },
    );
  });
});
