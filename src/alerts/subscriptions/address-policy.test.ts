import { describe, expect, it } from "vitest";
import { checkUrlShape, refusedAddress } from "./address-policy.ts";

const strict = { allowLoopback: false };

describe("subscriber URL address policy", () => {
  it.each([
    ["10.9.8.7", /10\.0\.0\.0\/8/],
    ["172.31.255.255", /172\.16\.0\.0\/12/],
    ["192.168.0.1", /192\.168\.0\.0\/16/],
    ["100.64.0.1", /100\.64\.0\.0\/10/],
    ["127.0.0.1", /loopback/],
    ["169.254.169.254", /link-local/],
    ["0.0.0.0", /unspecified/],
    ["224.0.0.251", /multicast/],
    ["::1", /loopback/],
    ["::", /unspecified/],
    ["fd12:3456::1", /fc00::\/7/],
    ["fe80::1%eth0", /fe80::\/10/],
    ["ff02::1", /multicast/],
    ["::ffff:127.0.0.1", /loopback.*IPv4-mapped/],
    ["::ffff:a9fe:a9fe", /link-local.*IPv4-mapped/],
    ["::10.0.0.1", /IPv4-compatible/],
    ["64:ff9b::192.168.1.1", /NAT64/],
    ["2002:0a00:0001::1", /6to4/],
  ])("refuses %s", (address, why) => {
    expect(refusedAddress(address, strict)).toMatch(why);
  });

  it.each(["203.0.113.7", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "lets %s through",
    (address) => {
      expect(refusedAddress(address, strict)).toBeNull();
    },
  );

  it("lets loopback and http through only with the test-only setting", () => {
    expect(refusedAddress("127.0.0.1", { allowLoopback: true })).toBeNull();
    expect(refusedAddress("::1", { allowLoopback: true })).toBeNull();
    expect(refusedAddress("10.0.0.1", { allowLoopback: true })).toMatch(/private/);
    expect(checkUrlShape("http://127.0.0.1:8080/x", strict)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/only https/),
    });
    expect(checkUrlShape("http://127.0.0.1:8080/x", { allowLoopback: true }).ok).toBe(true);
    expect(checkUrlShape("https://[::1]/x", strict)).toMatchObject({ ok: false });
    expect(checkUrlShape("https://user:pw@example.org/", strict)).toMatchObject({ ok: false });
    expect(checkUrlShape("https://intranet/x", strict)).toMatchObject({ ok: false });
    expect(checkUrlShape("https://hooks.example.org/x", strict).ok).toBe(true);
  });
});
