import type { IncomingMessage, ServerResponse } from "node:http";
import { commitAnswerKey, type LookupAnswers } from "../landings/lookup-answers.ts";
import type { LookupGuard } from "../landings/lookup-guard.ts";
import type { ChannelReadModel } from "../read-model/channel-read-model.ts";
import { clientKeyOf } from "../routes/client-address.ts";
import { carriesAny, header } from "./request-headers.node.ts";

export interface KeptLookups {
  answers: LookupAnswers;
  guard: Pick<LookupGuard, "admit" | "limits">;
}

const COMMIT_PATH = /^\/api\/v1\/commits\/([0-9A-Fa-f]{7,40})$/;
const carriesCodings = carriesAny(["accept-encoding"]);
// The app's compress() applies these (and "identity" or no header asks for none).
const CODINGS = /gzip|deflate|\*/i;
const acceptsCoding = (req: IncomingMessage) =>
  carriesCodings(req) && CODINGS.test(header(req, "accept-encoding") ?? "");

/**
 * Writes `/api/v1/commits/{sha}` answers the lookup routes keep (`LookupAnswers`) with plain Node,
 * after taking the lookup from the client's allowance as the route does. Returns false, writing
 * nothing, for whatever the app must answer: an answer not kept (it looks the commit up), a client
 * over its allowance (429), a coding the app applies, HEAD.
 */
export function commitAnswers(
  deps: KeptLookups & {
    readModel: Pick<ChannelReadModel, "peek">;
    commonHeaders: Record<string, string>;
  },
): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  const common = Object.entries(deps.commonHeaders).flat();
  // By answer, its body and headers made once: a kept answer is one object until it expires or
  // the generation moves.
  const prepared = new WeakMap<object, { headers: string[]; body: Buffer }>();
  const prepare = (report: object) => {
    const body = Buffer.from(JSON.stringify(report));
    const length = String(body.byteLength);
    const json = ["Content-Type", "application/json", "Vary", "Accept-Encoding"];
    return { headers: [...common, ...json, "Content-Length", length], body };
  };
  const trustedHeader = deps.guard.limits.clientIpHeader;

  return (req, res, path) => {
    if (req.method !== "GET" || acceptsCoding(req)) return false;
    const sha = COMMIT_PATH.exec(path)?.[1];
    const generation = deps.readModel.peek()?.generation;
    if (sha === undefined || generation === undefined) return false;
    const report = deps.answers.commits.peek(generation, commitAnswerKey(sha));
    if (!report) return false;
    const forwarded = trustedHeader ? header(req, trustedHeader) : undefined;
    const client = clientKeyOf(forwarded, () => req.socket.remoteAddress);
    // Refused: nothing was taken, and the app answers 429 with its Retry-After.
    if (!deps.guard.admit(client).ok) return false;
    let answer = prepared.get(report);
    if (!answer) {
      answer = prepare(report);
      prepared.set(report, answer);
    }
    const { headers, body } = answer;
    res.writeHead(200, headers);
    res.end(body);
    return true;
  };
}
