import type { Context } from "hono";

/** The peer address of the connection, where the runtime knows it (Node's socket, Workers' CF header). */
export type ConnectionAddress = (c: Context) => string | undefined;

/**
 * Who is asking, for per-client limits: the connection's address, or, only when configured, a
 * header a trusted proxy sets (its last entry, the address that proxy saw). IPv6 clients count by
 * /64, the block one subscriber usually holds.
 */
export function clientKey(
  c: Context,
  opts: { trustedHeader?: string; connectionAddress?: ConnectionAddress },
): string {
  const forwarded = opts.trustedHeader ? c.req.header(opts.trustedHeader) : undefined;
  return clientKeyOf(forwarded, () => opts.connectionAddress?.(c));
}

/** `clientKey` from the trusted header's value (if configured) and the connection's address. */
export function clientKeyOf(
  forwarded: string | undefined,
  connectionAddress: () => string | undefined,
): string {
  const fromProxy = forwarded?.split(",").at(-1)?.trim();
  const address = fromProxy || connectionAddress();
  // Bounded: a key is kept per client, and a header can be long.
  return address ? addressBlock(address).slice(0, 64) : "unknown";
}

/** An IPv4 address as is; an IPv6 address as its /64 (`2001:db8:0:1::/64`). */
export function addressBlock(address: string): string {
  const bare = address.replace(/^\[|\](:\d+)?$/g, "").replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1]) return mapped[1];
  if (!bare.includes(":")) return bare;
  const [head = "", tail] = bare.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(Math.max(0, missing)).fill("0"), ...right];
  const prefix = groups.slice(0, 4).map((g) => Number.parseInt(g || "0", 16).toString(16));
  return `${prefix.join(":")}::/64`;
}
