import { describe, expect, it } from "vitest";
import {
  BUILD_STATUS_MEANINGS,
  buildStatusMeaning,
  constituentState,
  describeBuildStatus,
} from "./build-status.ts";

describe("buildStatusMeaning", () => {
  it("names every code Hydra writes on builds", () => {
    expect(BUILD_STATUS_MEANINGS).toEqual({
      0: "succeeded",
      1: "failed",
      2: "dependency failed",
      3: "aborted",
      4: "cancelled",
      6: "failed with output",
      7: "timed out",
      9: "unsupported system",
      10: "log limit exceeded",
      11: "output size limit exceeded",
      12: "non-deterministic",
    });
  });

  it("calls obsolete, step-only and unknown codes an unknown failure", () => {
    for (const code of [5, 8, 13, 99]) {
      expect(buildStatusMeaning(code)).toBe(`unknown failure (status ${code})`);
    }
    expect(buildStatusMeaning(null)).toBe("unknown failure (no status)");
  });
});

describe("describeBuildStatus", () => {
  it("says pending until the build is finished, whatever the status", () => {
    expect(describeBuildStatus(false, null)).toBe("pending");
    expect(describeBuildStatus(0, 7)).toBe("pending");
  });

  it("gives the meaning once finished", () => {
    expect(describeBuildStatus(true, 0)).toBe("succeeded");
    expect(describeBuildStatus(1, 2)).toBe("dependency failed");
    expect(describeBuildStatus(true, 11)).toBe("output size limit exceeded");
  });
});

describe("constituentState", () => {
  it("passes only a finished build with status exactly 0", () => {
    expect(constituentState(true, 0)).toBe("passed");
    expect(constituentState(1, 0)).toBe("passed");
  });

  it("fails a finished build with any other status, or none", () => {
    for (const status of [1, 2, 3, 4, 6, 7, 9, 10, 11, 12, 5, 42]) {
      expect(constituentState(true, status)).toBe("failed");
    }
    expect(constituentState(true, null)).toBe("failed");
  });

  it("keeps a restarted build pending although it still carries its old status", () => {
    expect(constituentState(false, 1)).toBe("pending");
    expect(constituentState(0, 0)).toBe("pending");
    expect(constituentState(false, null)).toBe("pending");
  });

  it("treats any finished value other than true or 1 as not finished", () => {
    expect(constituentState(2, 0)).toBe("pending");
  });
});
