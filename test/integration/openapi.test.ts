import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import type { OpenApiDocument } from "../../src/status/openapi/openapi-document.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const TOKEN = "0123456789abcdef0123456789abcdef";
const CHANNEL = "nixos-unstable";

/** The answer's schema for `status` (JSON), as the document states it. */
function documentedSchema(doc: OpenApiDocument, path: string, method: string, status: number) {
  const operation = doc.paths?.[path]?.[method as "get" | "post"];
  const response = operation?.responses?.[String(status)];
  const schema =
    response && "content" in response ? response.content?.["application/json"]?.schema : undefined;
  if (!schema) throw new Error(`${method} ${path} documents no JSON for ${status}`);
  return schema;
}

describe("GET /api/v1/openapi.json", () => {
  let h: Harness;
  let doc: OpenApiDocument;
  let commitSha = "";
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat("date-time", (v: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v));
  const validators = new Map<string, ValidateFunction>();

  beforeAll(async () => {
    h = await startHarness({ FLOODGATE_ADMIN_TOKEN: `alice:${TOKEN}` });
    const unstable = h.channel(CHANNEL);
    h.seedBranches();
    const ev = await h.sim.evaluate(unstable);
    h.sim.hydra.model.finishEval(ev.evalId);
    expect((await tickChannel(h.deps, unstable)).kind).toBe("advanced");
    commitSha = ev.revision;
    h.sim.github.model.addPull({
      number: 4242,
      title: "hello: 2.12 -> 2.13",
      mergeCommitSha: commitSha,
      baseRef: "master",
    });
    const res = await h.app.request("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    doc = (await res.json()) as OpenApiDocument;
  }, 120_000);
  afterAll(() => h.close());

  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate({ ...doc });
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("lists every /api/v1 route the app serves, and nothing it does not", () => {
    const served = new Set(
      h.app.routes
        .filter((r) => r.path.startsWith("/api/v1/") && r.method !== "ALL")
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = new Set(
      Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
        ["get", "post", "put", "patch", "delete"]
          .filter((m) => m in item)
          .map((m) => `${m} ${path}`),
      ),
    );
    expect(served.size).toBeGreaterThanOrEqual(15);
    expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !served.has(r))).toEqual([]);
  });

  // Real answers against the schema the document gives for their path and status.
  const cases: [string, string, number, () => RequestInit | undefined, string][] = [
    ["/api/v1/channels", "/api/v1/channels", 200, () => undefined, "get"],
    [`/api/v1/channels/${CHANNEL}`, "/api/v1/channels/{channel}", 200, () => undefined, "get"],
    [
      `/api/v1/channels/${CHANNEL}/lag?days=7`,
      "/api/v1/channels/{channel}/lag",
      200,
      () => undefined,
      "get",
    ],
    [
      `/api/v1/channels/${CHANNEL}/releases?limit=1`,
      "/api/v1/channels/{channel}/releases",
      200,
      () => undefined,
      "get",
    ],
    [
      `/api/v1/channels/${CHANNEL}/freeze`,
      "/api/v1/channels/{channel}/freeze",
      200,
      () => ({
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ reason: "openapi test" }),
      }),
      "post",
    ],
    [
      `/api/v1/channels/${CHANNEL}/audit`,
      "/api/v1/channels/{channel}/audit",
      200,
      () => undefined,
      "get",
    ],
    ["/api/v1/alerts", "/api/v1/alerts", 200, () => undefined, "get"],
    ["/api/v1/commits/COMMIT", "/api/v1/commits/{sha}", 200, () => undefined, "get"],
    ["/api/v1/prs/4242", "/api/v1/prs/{number}", 200, () => undefined, "get"],
    [
      `/api/v1/channels/${CHANNEL}/unblock`,
      "/api/v1/channels/{channel}/unblock",
      200,
      () => undefined,
      "get",
    ],
    [
      "/api/v1/channels/no-such-channel/lag",
      "/api/v1/channels/{channel}/lag",
      404,
      () => undefined,
      "get",
    ],
    [
      `/api/v1/channels/${CHANNEL}/unpin`,
      "/api/v1/channels/{channel}/unpin",
      401,
      () => ({ method: "POST" }),
      "post",
    ],
  ];

  it.each(cases)("%s answers as documented", async (url, path, status, init, method) => {
    const res = await h.app.request(url.replace("COMMIT", commitSha), init());
    expect(res.status).toBe(status);
    const body: unknown = await res.json();
    const key = `${method} ${path} ${status}`;
    const validate =
      validators.get(key) ?? ajv.compile(documentedSchema(doc, path, method, status));
    validators.set(key, validate);
    expect(validate(body) ? [] : validate.errors, JSON.stringify(body).slice(0, 500)).toEqual([]);
  });

  it("documents a subscription's answers: created, read, cancelled", async () => {
    const check = async (res: Response, path: string, method: string, status: number) => {
      expect(res.status).toBe(status);
      const body: unknown = await res.json();
      const validate = ajv.compile(documentedSchema(doc, path, method, status));
      expect(validate(body) ? [] : validate.errors, JSON.stringify(body).slice(0, 500)).toEqual([]);
      return body as { token?: string };
    };
    const created = await check(
      await h.app.request("/api/v1/subscriptions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ kind: "channel", subject: CHANNEL, delivery: "feed" }),
      }),
      "/api/v1/subscriptions",
      "post",
      201,
    );
    const at = `/api/v1/subscriptions/${created.token}`;
    await check(await h.app.request(at), "/api/v1/subscriptions/{token}", "get", 200);
    const cancelled = await h.app.request(at, { method: "DELETE" });
    await check(cancelled, "/api/v1/subscriptions/{token}", "delete", 200);
  });

  it("catches an answer that differs from the document", () => {
    const validate = ajv.compile(documentedSchema(doc, "/api/v1/channels", "get", 200));
    expect(validate({ channels: [{ name: "x" }] })).toBe(false);
  });
});
