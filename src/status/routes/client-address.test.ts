import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { addressBlock, clientKey } from "./client-address.ts";

describe("clientKey", () => {
  const keyOf = async (headers: Record<string, string>, trustedHeader?: string) => {
    const app = new Hono();
    app.get("/", (c) => c.text(clientKey(c, { trustedHeader, connectionAddress: () => "::1" })));
    return (await app.request("/", { headers })).text();
  };

  it("uses the connection unless a trusted header is configured", async () => {
    expect(await keyOf({ "x-forwarded-for": "203.0.113.9" })).toBe("0:0:0:0::/64");
    expect(await keyOf({ "x-forwarded-for": "10.1.1.1, 203.0.113.9" }, "x-forwarded-for")).toBe(
      "203.0.113.9",
    );
    expect(await keyOf({}, "x-forwarded-for")).toBe("0:0:0:0::/64");
  });
});

describe("addressBlock", () => {
  it("keeps IPv4 addresses and counts IPv6 clients by /64", () => {
    expect(addressBlock("198.51.100.7")).toBe("198.51.100.7");
    expect(addressBlock("::ffff:198.51.100.7")).toBe("198.51.100.7");
    expect(addressBlock("2001:db8:0:1:aaaa::1")).toBe("2001:db8:0:1::/64");
    expect(addressBlock("2001:DB8::1%eth0")).toBe("2001:db8:0:0::/64");
    expect(addressBlock("[2001:db8:1:2:3:4:5:6]")).toBe("2001:db8:1:2::/64");
  });
});
