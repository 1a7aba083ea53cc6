import type { FaultBody } from "./fault-body.ts";
import type { Fault as AnyFault, FaultList as AnyFaultList, FaultMatch } from "./fault-list.ts";

export { createFaultList } from "./fault-list.ts";

export interface FaultRule extends FaultMatch {
  /** Wait this long first; with no `status` the request is then served normally. */
  delayMs?: number;
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Answer 200 with a body that floods or drips (see `FaultBody`). */
  wireBody?: FaultBody;
}

export type Fault = AnyFault<FaultRule>;
export type FaultList = AnyFaultList<FaultRule>;

export const HTML = { "Content-Type": "text/html; charset=utf-8" };
export const JSON_TYPE = { "Content-Type": "application/json; charset=utf-8" };

/** Ready-made fault answers seen in front of hydra.nixos.org (spread them into a `FaultRule`). */
export const hydraFaults = {
  serverErrorHtml: {
    status: 500,
    headers: HTML,
    body: "<html><head><title>Error</title></head><body><h1>Internal Server Error</h1></body></html>",
  },
  badGatewayHtml: {
    status: 502,
    headers: HTML,
    body: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
  },
  rateLimited: (retryAfterSec = 1) => ({
    status: 429,
    headers: { ...HTML, "Retry-After": String(retryAfterSec) },
    body: "<html><head><title>429 Too Many Requests</title></head><body><center><h1>429 Too Many Requests</h1></center><hr><center>nginx</center></body></html>",
  }),
  truncatedJson: { status: 200, headers: JSON_TYPE, body: '{"id": 3' },
  wrongShapeJson: { status: 200, headers: JSON_TYPE, body: '{"builds": "not a list", "id": "x"}' },
  htmlInsteadOfJson: {
    status: 200,
    headers: HTML,
    body: "<!DOCTYPE html><html><head><title>Hydra</title></head><body>Loading…</body></html>",
  },
} satisfies Record<string, Partial<FaultRule> | ((s?: number) => Partial<FaultRule>)>;
