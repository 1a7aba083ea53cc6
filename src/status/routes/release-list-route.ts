import { Hono } from "hono";
import type { ChannelSpec } from "../../config/channels-file.ts";
import type { Db } from "../../db/client.ts";
import { BadRequestError, NotFoundError } from "../../errors.ts";
import { listReleasePage } from "../release-list/list-release-page.ts";
import { ReleaseListQuery } from "../release-list/release-list-schema.ts";

/** `GET /api/v1/channels/{channel}/releases?limit=&before=`: every release, newest first, paged. */
export function releaseListRoute(deps: {
  db: Db;
  channels: ChannelSpec[];
  publicUrl: string;
}): Hono {
  return new Hono().get("/api/v1/channels/:channel/releases", async (c) => {
    const name = c.req.param("channel");
    if (!deps.channels.some((s) => s.name === name)) {
      throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
    }
    const query = ReleaseListQuery.safeParse(c.req.query());
    if (!query.success) {
      const issues = query.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
      throw new BadRequestError(`bad query: ${issues.join("; ")}`);
    }
    return c.json(await listReleasePage(deps.db, name, query.data, deps.publicUrl));
  });
}
