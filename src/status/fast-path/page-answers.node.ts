import type { IncomingMessage, ServerResponse } from "node:http";
import type { ChannelReadModel } from "../read-model/channel-read-model.ts";
import {
  answerPage,
  type CachedPage,
  type PageAnswer,
  type PageCache,
  pageKey,
} from "../routes/cached-pages.ts";
import type { FlatHeaders } from "./prepared-redirects.ts";
import { carriesAny, header } from "./request-headers.node.ts";

interface Prepared {
  headers: FlatHeaders;
  body: Uint8Array | undefined;
}

// Request headers that change a page's answer; a request with none of them gets the answer
// prepared once per rendering.
const varies = carriesAny(["if-none-match", "accept-encoding"]);

/**
 * Writes the page cache's renderings with plain Node: the answer is `answerPage`'s (the one the
 * app's middleware gives), its headers flattened once per rendering for requests that carry no
 * condition or coding. Returns false, writing nothing, for whatever the app must answer: a miss,
 * a change since the rendering, a stale one nothing re-renders yet, a coding only the app applies.
 */
export function pageAnswers(deps: {
  readModel: ChannelReadModel;
  pages: PageCache;
  commonHeaders: Record<string, string>;
}): (req: IncomingMessage, res: ServerResponse, path: string, search: string) => boolean {
  const common = Object.entries(deps.commonHeaders).flat();
  // By rendering and method: a new rendering is a new page object, so old ones are dropped with it.
  const prepared = new WeakMap<CachedPage, Map<string, Prepared>>();

  const flatten = (answer: PageAnswer): Prepared => {
    const headers = [...common, ...Object.entries(answer.headers).flat()];
    if (answer.bytes) headers.push("Content-Length", String(answer.bytes.byteLength));
    return { headers, body: answer.sendBody && answer.bytes ? answer.bytes : undefined };
  };

  const plainAnswer = (page: CachedPage, method: string): Prepared => {
    let byMethod = prepared.get(page);
    if (!byMethod) {
      byMethod = new Map();
      prepared.set(page, byMethod);
    }
    let answer = byMethod.get(method);
    if (!answer) {
      answer = flatten(
        answerPage(page, { method, ifNoneMatch: undefined, acceptEncoding: undefined }),
      );
      byMethod.set(method, answer);
    }
    return answer;
  };

  return (req, res, path, search) => {
    const snapshot = deps.readModel.peek();
    if (!snapshot) return false;
    const key = pageKey(path, search);
    const verdict = deps.pages.judge(key, snapshot);
    // A stale rendering is served only while the app re-renders it (as the app then does);
    // else the app must see the request to start that.
    if (verdict.kind === "none" || (verdict.kind === "stale" && !deps.pages.isRenewing(key))) {
      return false;
    }
    const method = req.method ?? "GET";
    if (!varies(req)) {
      const { headers, body } = plainAnswer(verdict.page, method);
      res.writeHead(200, headers);
      res.end(body);
      return true;
    }
    const acceptEncoding = header(req, "accept-encoding");
    const answer = answerPage(verdict.page, {
      method,
      ifNoneMatch: header(req, "if-none-match"),
      acceptEncoding,
    });
    // The app's compress() deflates /api/ JSON for a client that accepts neither br nor gzip.
    if (answer.headers["Content-Encoding"] === undefined && acceptEncoding?.includes("deflate")) {
      return false;
    }
    const { headers, body } = flatten(answer);
    res.writeHead(answer.status, headers);
    res.end(body);
    return true;
  };
}
