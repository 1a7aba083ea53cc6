import { describe, expect, it } from "vitest";
import { AppError, RetryLaterError, UpstreamError } from "../../errors.ts";
import type { LookupHost } from "../../git/budgeted-lookup-host.ts";
import { outageBreaker } from "./upstream-outage.ts";

const HOLD = 10_000;

/** A host whose every read runs `answer`, counting the reads that reached it. */
function countingHost(answer: () => Promise<null>) {
  const reached = { count: 0 };
  const read = () => {
    reached.count++;
    return answer();
  };
  const host: LookupHost = {
    branchHead: read,
    commit: () => Promise.reject(new Error("unused")),
    compare: () => Promise.reject(new Error("unused")),
    pull: read,
    pullsForCommit: () => Promise.reject(new Error("unused")),
    branchMerges: () => Promise.reject(new Error("unused")),
    branchCommits: () => Promise.reject(new Error("unused")),
  };
  return { host, reached };
}

const unreachable = () =>
  new UpstreamError("GITHUB_UNREACHABLE", "connect ECONNREFUSED", { retryable: true });

describe("outageBreaker", () => {
  it("an outage costs one failing read per hold, then one probe at a time until GitHub is back", async () => {
    let now = 0;
    let up = false;
    const { host, reached } = countingHost(() =>
      up ? Promise.resolve(null) : Promise.reject(unreachable()),
    );
    const git = outageBreaker(host, { holdMs: HOLD, now: () => now });
    await expect(git.branchHead("master")).rejects.toMatchObject({ code: "GITHUB_UNREACHABLE" });
    const held = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => git.pull(i + 1)));
    expect(held.every((r) => r.status === "rejected")).toBe(true);
    expect(reached.count).toBe(1);

    now = HOLD;
    const probes = await Promise.allSettled([git.pull(1), git.pull(2), git.branchHead("x")]);
    expect(probes.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(reached.count).toBe(2); // one probe; it failed, so the hold starts again

    now = 2 * HOLD - 1;
    await expect(git.pull(3)).rejects.toMatchObject({ code: "GITHUB_UNREACHABLE" });
    expect(reached.count).toBe(2);

    up = true;
    now = 2 * HOLD;
    expect(await git.pull(4)).toBeNull();
    expect(await Promise.all([git.pull(5), git.pull(6)])).toEqual([null, null]);
    expect(reached.count).toBe(5);
  });

  it("'not found' is an answer, not an outage; a spent budget holds with its wait counting down", async () => {
    let now = 0;
    let failure: AppError = new AppError("GITHUB_NOT_FOUND", "no such commit");
    const { host, reached } = countingHost(() => Promise.reject(failure));
    const git = outageBreaker(host, { holdMs: HOLD, now: () => now });
    await expect(git.pull(1)).rejects.toMatchObject({ code: "GITHUB_NOT_FOUND" });
    await expect(git.pull(1)).rejects.toMatchObject({ code: "GITHUB_NOT_FOUND" });
    expect(reached.count).toBe(2);

    failure = new RetryLaterError("LOOKUP_BUDGET_SPENT", "budget spent; try again in 60 s", 60);
    await expect(git.pull(2)).rejects.toMatchObject({ retryAfterSeconds: 60 });
    now = 4_000;
    await expect(git.pull(3)).rejects.toMatchObject({
      code: "LOOKUP_BUDGET_SPENT",
      retryAfterSeconds: 56,
    });
    expect(reached.count).toBe(3);
  });
});
