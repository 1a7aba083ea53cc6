/**
 * PURE: which addresses a subscriber's URL may reach. A subscription makes floodgate send requests
 * to a URL a stranger chose, so anything inside the operator's network is refused: private,
 * shared (CGNAT), loopback, link-local (cloud metadata at 169.254.169.254), unspecified, multicast
 * and reserved ranges, in IPv4 and in every IPv6 form that carries an IPv4 address.
 */

type Range = { bits: number; prefix: bigint; why: string };

const v4 = (cidr: string, why: string): Range => {
  const [addr = "", len = "32"] = cidr.split("/");
  const value = parseIpv4(addr) ?? 0n;
  return { bits: Number(len), prefix: value, why };
};

const V4_REFUSED: Range[] = [
  v4("0.0.0.0/8", "an unspecified address (0.0.0.0/8)"),
  v4("10.0.0.0/8", "a private address (10.0.0.0/8)"),
  v4("100.64.0.0/10", "a shared address (100.64.0.0/10)"),
  v4("127.0.0.0/8", "a loopback address (127.0.0.0/8)"),
  v4("169.254.0.0/16", "a link-local address (169.254.0.0/16, cloud metadata)"),
  v4("172.16.0.0/12", "a private address (172.16.0.0/12)"),
  v4("192.0.0.0/24", "a reserved address (192.0.0.0/24)"),
  v4("192.168.0.0/16", "a private address (192.168.0.0/16)"),
  v4("198.18.0.0/15", "a benchmarking address (198.18.0.0/15)"),
  v4("224.0.0.0/4", "a multicast address (224.0.0.0/4)"),
  v4("240.0.0.0/4", "a reserved address (240.0.0.0/4)"),
];

export function parseIpv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

/** An IPv6 address as 128 bits, with an IPv4 tail (`::ffff:10.0.0.1`) and a zone (`%eth0`) allowed. */
export function parseIpv6(text: string): bigint | null {
  let bare = text
    .replace(/^\[|\]$/g, "")
    .replace(/%.*$/, "")
    .toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(bare)?.[1];
  if (tail) {
    const value = parseIpv4(tail);
    if (value === null) return null;
    const hi = (value >> 16n).toString(16);
    const lo = (value & 0xffffn).toString(16);
    bare = `${bare.slice(0, -tail.length)}${hi}:${lo}`;
  }
  const halves = bare.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (s: string | undefined) => (s ? s.split(":") : []);
  const left = groupsOf(halves[0]);
  const right = groupsOf(halves[1]);
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  }
  return value;
}

const inRange = (value: bigint, width: number, r: Range) =>
  value >> BigInt(width - r.bits) === r.prefix >> BigInt(width - r.bits);

function refusedV4(value: bigint, allowLoopback: boolean): string | null {
  for (const r of V4_REFUSED) {
    if (!inRange(value, 32, r)) continue;
    if (allowLoopback && r.prefix === parseIpv4("127.0.0.0")) return null;
    return r.why;
  }
  return null;
}

const V6 = (hex: string, bits: number, why: string): Range => ({
  bits,
  prefix: parseIpv6(hex) ?? 0n,
  why,
});
const V6_REFUSED: Range[] = [
  V6("fc00::", 7, "a private address (fc00::/7)"),
  V6("fe80::", 10, "a link-local address (fe80::/10)"),
  V6("fec0::", 10, "a site-local address (fec0::/10)"),
  V6("ff00::", 8, "a multicast address (ff00::/8)"),
  V6("100::", 64, "a discard address (100::/64)"),
  V6("2001:db8::", 32, "a documentation address (2001:db8::/32)"),
];
/** IPv6 forms that carry an IPv4 address in their low 32 bits: judged by that address. */
const V4_CARRIERS = [
  V6("::ffff:0:0", 96, "IPv4-mapped"),
  V6("::", 96, "IPv4-compatible"),
  V6("64:ff9b::", 96, "NAT64"),
  V6("::ffff:0:0:0", 96, "IPv4-translated"),
];

function refusedV6(value: bigint, allowLoopback: boolean): string | null {
  if (value === 0n) return "an unspecified address (::)";
  if (value === 1n) return allowLoopback ? null : "a loopback address (::1)";
  for (const carrier of V4_CARRIERS) {
    if (!inRange(value, 128, carrier)) continue;
    const inner = refusedV4(value & 0xffffffffn, allowLoopback);
    return inner ? `${inner}, written as ${carrier.why} IPv6` : null;
  }
  // 6to4 (2002::/16) carries an IPv4 address in bits 16–48.
  if (value >> 112n === 0x2002n) {
    const inner = refusedV4((value >> 80n) & 0xffffffffn, allowLoopback);
    if (inner) return `${inner}, written as 6to4 IPv6`;
  }
  for (const r of V6_REFUSED) if (inRange(value, 128, r)) return r.why;
  return null;
}

/** Why `address` (an IP literal) may not be reached, or null when it may; not an IP: refused. */
export function refusedAddress(address: string, opts: { allowLoopback: boolean }): string | null {
  const four = parseIpv4(address);
  if (four !== null) return refusedV4(four, opts.allowLoopback);
  const six = parseIpv6(address);
  if (six !== null) return refusedV6(six, opts.allowLoopback);
  return `"${address}" is not an IP address`;
}

/** The host of a URL as an IP literal, if it is one (`[::1]` → `::1`). */
export function ipLiteral(hostname: string): string | null {
  const bare = hostname.replace(/^\[|\]$/g, "");
  return parseIpv4(bare) !== null || parseIpv6(bare) !== null ? bare : null;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * What can be said of a URL before resolving it: https only (http only with the test-only
 * loopback setting), no credentials, and an IP literal host judged at once.
 */
export function checkUrlShape(raw: string, opts: { allowLoopback: boolean }): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "the URL is not a valid absolute URL" };
  }
  const httpAllowed = opts.allowLoopback && url.protocol === "http:";
  if (url.protocol !== "https:" && !httpAllowed) {
    return { ok: false, reason: `only https URLs are accepted, not ${url.protocol.slice(0, -1)}` };
  }
  if (url.username || url.password) {
    return { ok: false, reason: "the URL may not carry a user name or password" };
  }
  const literal = ipLiteral(url.hostname);
  if (literal) {
    const why = refusedAddress(literal, opts);
    if (why) return { ok: false, reason: `the URL's host ${literal} is ${why}` };
  } else if (!url.hostname.includes(".")) {
    return { ok: false, reason: `the URL's host "${url.hostname}" is not a public DNS name` };
  }
  return { ok: true, url };
}
