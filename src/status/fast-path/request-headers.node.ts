import type { IncomingMessage } from "node:http";

/** A request header's value, repeated ones joined as HTTP joins them. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * Whether a request carries any of `names` (lower case), read from `rawHeaders`: `req.headers`
 * builds an object per request on first use, and most requests carry none of them.
 */
export function carriesAny(names: string[]): (req: IncomingMessage) => boolean {
  const wanted = new Set(names);
  const shortest = Math.min(...names.map((n) => n.length));
  return (req) => {
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i];
      if (name !== undefined && name.length >= shortest && wanted.has(name.toLowerCase())) {
        return true;
      }
    }
    return false;
  };
}
