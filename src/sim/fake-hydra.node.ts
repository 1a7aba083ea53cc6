import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { sleep } from "../retry.ts";
import type { Chaos } from "./chaos.ts";
import { flippedByte } from "./chaos.ts";
import { chaosMiddleware } from "./chaos-middleware.node.ts";
import { faultBodyResponse } from "./fault-body.ts";
import { createFaultList, type FaultList, HTML, hydraFaults, JSON_TYPE } from "./hydra-faults.ts";
import {
  buildJson,
  evalJson,
  jobsetOverviewJson,
  latestBuildJson,
  seededRandom,
} from "./hydra-json.ts";
import { HydraModel, type ModelBuild, type ModelEval } from "./hydra-model.ts";
import { serveOnLoopback } from "./serve.node.ts";

export {
  type Fault,
  type FaultList,
  type FaultRule,
  hydraFaults,
} from "./hydra-faults.ts";

export interface RecordedRequest {
  method: string;
  /** Path with its query string. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Wall-clock ms (Date.now()), for request-rate checks. */
  at: number;
}

export interface FakeHydra {
  url: string;
  model: HydraModel;
  requests: RecordedRequest[];
  faults: FaultList;
  close(): Promise<void>;
}

export interface FakeHydraOptions {
  port?: number;
  /** Clock of the model's timestamps (ignored when `model` is given). */
  now?: () => Date;
  model?: HydraModel;
  /** Random faults on top of the scripted ones (src/sim/chaos.ts). */
  chaos?: Chaos;
}

/** A fake hydra.nixos.org on 127.0.0.1 speaking Hydra's real wire format (reference/hydra-api.md). */
export async function startFakeHydra(opts: FakeHydraOptions = {}): Promise<FakeHydra> {
  const model = opts.model ?? new HydraModel({ now: opts.now });
  const requests: RecordedRequest[] = [];
  const faults = createFaultList();
  const server = await serveOnLoopback(
    createFakeHydraApp(model, requests, faults, opts.chaos),
    opts.port,
  );
  return { url: server.url, model, requests, faults, close: () => server.close() };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body><div class="container"><h1>${escapeHtml(title)}</h1>${body}</div></body></html>\n`;
}

// Catalyst::Action::REST takes the first supported type from Content-Type, then ?content-type=,
// then Accept (by q); anything else (e.g. */*) falls back to HTML.
function wantsJson(c: Context): boolean {
  const accepted = (c.req.header("accept") ?? "")
    .split(",")
    .map((part, index) => {
      const [type = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
      const q = Number(params.find((p) => p.startsWith("q="))?.slice(2) ?? "1");
      return { type, q: Number.isNaN(q) ? 0 : q, index };
    })
    .filter((a) => a.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((a) => a.type);
  const candidates = [c.req.header("content-type"), c.req.query("content-type"), ...accepted];
  for (const candidate of candidates) {
    const type = candidate?.split(";")[0]?.trim().toLowerCase();
    if (type === "application/json" || type === "text/x-json") return true;
    if (type === "text/html") return false;
  }
  return false;
}

// safe because Hydra and the faults only use statuses that carry a body
const withBody = (status: number) => status as ContentfulStatusCode;

const mimeByExtension: Record<string, string> = {
  xz: "application/x-xz",
  zst: "application/zstd",
  br: "application/x-brotli",
  json: "application/json",
  iso: "application/x-iso9660-image",
};

const fixedAnswer = (rule: { status: number; headers: Record<string, string>; body: string }) =>
  new Response(rule.body, { status: rule.status, headers: rule.headers });

export function createFakeHydraApp(
  model: HydraModel,
  requests: RecordedRequest[],
  faults: FaultList,
  chaos?: Chaos,
): Hono {
  const app = new Hono();
  let responseSeq = 0;
  const nextRandom = () => seededRandom(Math.imul(++responseSeq, 0x9e3779b1));

  const entity = (c: Context, data: unknown, title: string, html: string, status = 200) =>
    wantsJson(c)
      ? c.body(JSON.stringify(data), withBody(status), JSON_TYPE)
      : c.body(htmlPage(title, html), withBody(status), HTML);
  const notFound = (c: Context, message: string) =>
    entity(c, { error: message }, "Page not found", `<p>${escapeHtml(message)}</p>`, 404);
  const apiJson = (c: Context, data: unknown, status = 200) =>
    c.body(JSON.stringify(data), withBody(status), JSON_TYPE);
  const redirect = (c: Context, path: string) => {
    const location = new URL(path, new URL(c.req.url).origin).toString();
    const body = `<html><head><title>Moved</title></head><body><p>This item has moved <a href="${escapeHtml(location)}">here</a>.</p></body></html>`;
    return c.body(body, 302, { ...HTML, Location: location });
  };
  const restOf = (c: Context, skip: number) => {
    const rest = c.req.path.split("/").slice(skip).join("/");
    return rest ? `/${rest}` : "";
  };
  const buildOr404 = (c: Context): ModelBuild | Response => {
    const id = c.req.param("id") ?? "";
    const build = /^\d+$/.test(id) ? model.build(Number(id)) : undefined;
    return build ?? notFound(c, `Build with ID ${id} doesn't exist.`);
  };
  const evalOr404 = (c: Context): ModelEval | Response => {
    const id = c.req.param("id") ?? "";
    const ev = /^\d+$/.test(id) ? model.evaluation(Number(id)) : undefined;
    return ev ?? notFound(c, `Evaluation ${id} doesn't exist.`);
  };

  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    const path = url.pathname + url.search;
    requests.push({ method: c.req.method, path, headers: c.req.header(), at: Date.now() });
    const method = c.req.method.toUpperCase();
    const fault = faults.take(method, path);
    if (fault) {
      if (fault.rule.delayMs) await sleep(fault.rule.delayMs);
      if (fault.rule.wireBody) return faultBodyResponse(fault.rule.wireBody);
      if (fault.rule.status !== undefined) {
        return c.body(fault.rule.body ?? "", withBody(fault.rule.status), {
          Vary: "Accept",
          ...fault.rule.headers,
        });
      }
    }
    c.header("Vary", "Accept");
    await next();
  });
  app.use(
    chaosMiddleware(chaos, "hydra", {
      rateLimited: () => fixedAnswer(hydraFaults.rateLimited(1)),
      serverError: () => fixedAnswer(hydraFaults.badGatewayHtml),
      wrongBytes: async (_c, served) =>
        new Response(flippedByte(new Uint8Array(await served.arrayBuffer())), served),
    }),
  );

  app.get("/build/:id", (c) => {
    const b = buildOr404(c);
    if (b instanceof Response) return b;
    const summary = `<p>Job ${escapeHtml(`${b.project}:${b.jobset}:${b.job}`)}; finished ${b.finished ? 1 : 0}; status ${b.buildstatus ?? "-"}</p>`;
    return entity(c, buildJson(b, nextRandom()), `Build ${b.id}`, summary);
  });

  app.get("/build/:id/constituents", (c) => {
    const b = buildOr404(c);
    if (b instanceof Response) return b;
    const rand = nextRandom();
    const list = model.constituents(b.id);
    const html = `<ul>${list.map((m) => `<li>${escapeHtml(m.job)}</li>`).join("")}</ul>`;
    return entity(
      c,
      list.map((m) => buildJson(m, rand)),
      `Constituents of build ${b.id}`,
      html,
    );
  });

  const serveProduct = (c: Context) => {
    const b = buildOr404(c);
    if (b instanceof Response) return b;
    const ref = c.req.param("nr") ?? "";
    const nr = /^\d+$/.test(ref)
      ? ref
      : Object.keys(b.products).find((k) => b.products[k]?.name === ref);
    const found = nr === undefined ? null : model.product(b.id, nr);
    if (!found) return notFound(c, `Build doesn't have a product ${ref}.`);
    if (!restOf(c, 5)) return redirect(c, `/build/${b.id}/download/${nr}/${found.product.name}`);
    if (!found.bytes) return notFound(c, `File '${found.product.path}' does not exist.`);
    const ext = found.product.name.split(".").pop() ?? "";
    return c.body(new Uint8Array(found.bytes), 200, {
      "Content-Type": mimeByExtension[ext] ?? "application/octet-stream",
      "Content-Security-Policy": "sandbox allow-scripts",
      "Last-Modified": new Date((b.stoptime ?? b.timestamp) * 1000).toUTCString(),
    });
  };
  app.get("/build/:id/download/:nr", serveProduct);
  app.get("/build/:id/download/:nr/*", serveProduct);

  app.get("/eval/:id", (c) => {
    const ev = evalOr404(c);
    if (ev instanceof Response) return ev;
    const html = `<p>${ev.buildIds.length} builds; revision ${escapeHtml(ev.revision)}</p>`;
    return entity(c, evalJson(ev, nextRandom()), `Evaluation ${ev.id}`, html);
  });

  app.get("/eval/:id/store-paths", (c) => {
    const ev = evalOr404(c);
    if (ev instanceof Response) return ev;
    const paths = model.storePaths(ev.id);
    return entity(c, paths, `Store paths of evaluation ${ev.id}`, `<pre>${paths.join("\n")}</pre>`);
  });

  const evalJob = (c: Context) => {
    const ev = evalOr404(c);
    if (ev instanceof Response) return ev;
    const build = model.evalJob(ev.id, c.req.param("job") ?? "");
    if (!build) return notFound(c, "This evaluation has no job with the specified name.");
    return redirect(c, `/build/${build.id}${restOf(c, 5)}`);
  };
  app.get("/eval/:id/job/:job", evalJob);
  app.get("/eval/:id/job/:job/*", evalJob);

  const jobLatest = (finishedOnly: boolean) => (c: Context) => {
    const { p = "", j = "", job = "" } = c.req.param();
    const build = finishedOnly ? model.latestFinished(p, j, job) : model.latest(p, j, job);
    if (!build) return notFound(c, "There is no successful build to redirect to.");
    return redirect(c, `/build/${build.id}${restOf(c, 6)}`);
  };
  for (const [kind, finishedOnly] of [
    ["latest", false],
    ["latest-finished", true],
  ] as const) {
    app.get(`/job/:p/:j/:job/${kind}`, jobLatest(finishedOnly));
    app.get(`/job/:p/:j/:job/${kind}/*`, jobLatest(finishedOnly));
  }
  const jobLatestFor = (c: Context) => {
    const { p = "", j = "", job = "", system = "" } = c.req.param();
    const build = model.latest(p, j, job, system);
    if (!build) {
      return notFound(c, `There is no successful build for platform \`${system}' to redirect to.`);
    }
    return redirect(c, `/build/${build.id}${restOf(c, 7)}`);
  };
  app.get("/job/:p/:j/:job/latest-for/:system", jobLatestFor);
  app.get("/job/:p/:j/:job/latest-for/:system/*", jobLatestFor);

  const latestEval = (c: Context) => {
    const { p = "", j = "" } = c.req.param();
    if (!model.jobsetOverview(p)?.some((row) => row.name === j)) {
      return notFound(c, `Jobset ‘${p}:${j}’ doesn't exist.`);
    }
    const ev = model.latestEval(p, j);
    if (!ev) return notFound(c, "No evaluation found.");
    return redirect(c, `/eval/${ev.id}${restOf(c, 5)}?name=${encodeURIComponent(j)}`);
  };
  app.get("/jobset/:p/:j/latest-eval", latestEval);
  app.get("/jobset/:p/:j/latest-eval/*", latestEval);

  app.get("/api/latestbuilds", (c) => {
    const nr = c.req.query("nr");
    if (!nr || !/^\d+$/.test(nr)) return apiJson(c, { error: "Parameter not defined!" }, 500);
    const { project, jobset, job, system } = c.req.query();
    const rand = nextRandom();
    const builds = model.latestBuilds(Number(nr), { project, jobset, job, system });
    return apiJson(
      c,
      builds.map((b) => latestBuildJson(b, rand)),
    );
  });

  app.get("/api/jobsets", (c) => {
    const project = c.req.query("project");
    if (!project) return apiJson(c, { error: "Parameter not defined!" }, 500);
    const rows = model.jobsetOverview(project);
    if (!rows) return apiJson(c, { error: `Project ${project} doesn't exist.` }, 404);
    const rand = nextRandom();
    return apiJson(
      c,
      rows.map((row) => jobsetOverviewJson(row, rand)),
    );
  });

  app.notFound((c) => notFound(c, "Page not found."));
  return app;
}
