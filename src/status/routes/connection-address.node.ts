import { getConnInfo } from "@hono/node-server/conninfo";
import type { ConnectionAddress } from "./client-address.ts";

/** The socket's peer address under @hono/node-server; undefined for `app.request()` in tests. */
export const nodeConnectionAddress: ConnectionAddress = (c) => {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // No Node socket behind this request (`app.request()`): nothing to tell clients apart by.
    return undefined;
  }
};
