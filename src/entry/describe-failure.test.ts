import { describe, expect, it } from "vitest";
import { describeFailure } from "./describe-failure.ts";

describe("describeFailure", () => {
  it("follows the causes a driver wraps", () => {
    const cause = new Error('relation "x" does not exist');
    expect(describeFailure(new Error("Failed query: select 1", { cause }))).toBe(
      'Failed query: select 1: relation "x" does not exist',
    );
  });

  it("shows a thrown plain object instead of [object Object]", () => {
    expect(describeFailure({ message: "could not extend file", code: "53100" })).toBe(
      '{"message":"could not extend file","code":"53100"}',
    );
    expect(describeFailure("Aborted()")).toBe("Aborted()");
  });

  it("does not repeat a cause the message already quotes", () => {
    const cause = new Error("ECONNREFUSED");
    expect(describeFailure(new Error("cannot connect: ECONNREFUSED", { cause }))).toBe(
      "cannot connect: ECONNREFUSED",
    );
  });
});
