import { describe, expect, it } from "vitest";
import { createChannelReadModel } from "./channel-read-model.ts";
import type { ChannelSnapshotEntry } from "./channel-snapshot.ts";

const entry = (name: string): ChannelSnapshotEntry => ({
  row: null,
  release: { name } as unknown as ChannelSnapshotEntry["release"],
});

function fakeSource() {
  const source = { value: "r1", loads: 0, fail: false };
  const load = async () => {
    source.loads++;
    const value = source.value;
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (source.fail) throw new Error("database down");
    return new Map([["c", entry(value)]]);
  };
  return { source, load };
}

const served = async (m: {
  current(): Promise<{ entries: ReadonlyMap<string, ChannelSnapshotEntry> }>;
}) => (await m.current()).entries.get("c")?.release?.name;

describe("createChannelReadModel", () => {
  it("answers from memory until the snapshot is older than maxAgeMs", async () => {
    let now = 0;
    const { source, load } = fakeSource();
    const model = createChannelReadModel({ load, maxAgeMs: 1000, nowMs: () => now });
    expect(await served(model)).toBe("r1");
    source.value = "r2";
    now = 999;
    expect(await served(model)).toBe("r1");
    expect(source.loads).toBe(1);
    now = 1000;
    expect(await served(model)).toBe("r2");
  });

  it("bumps the generation only when a reload finds different data", async () => {
    const { source, load } = fakeSource();
    const model = createChannelReadModel({ load, maxAgeMs: 60_000 });
    const a = await model.refresh();
    const b = await model.refresh();
    source.value = "r2";
    const c = await model.refresh();
    expect([a.generation, b.generation, c.generation]).toEqual([1, 1, 2]);
  });

  it("loads again after a load in flight when a change arrives during it", async () => {
    const { source, load } = fakeSource();
    const model = createChannelReadModel({ load, maxAgeMs: 60_000 });
    const inFlight = model.refresh();
    source.value = "r2";
    const [first, second, third] = await Promise.all([inFlight, model.refresh(), model.refresh()]);
    expect(first.entries.get("c")?.release?.name).toBe("r1");
    expect(second.entries.get("c")?.release?.name).toBe("r2");
    expect(third).toBe(second);
    expect(source.loads).toBe(2);
  });

  it("keeps serving the last snapshot when the database fails, and says so", async () => {
    let now = 0;
    const { source, load } = fakeSource();
    const stale: unknown[] = [];
    const model = createChannelReadModel({
      load,
      maxAgeMs: 10,
      nowMs: () => now,
      onStale: (err) => stale.push(err),
    });
    expect(await served(model)).toBe("r1");
    source.fail = true;
    now = 100;
    expect(await served(model)).toBe("r1");
    expect(stale).toHaveLength(1);
    const empty = createChannelReadModel({ load, maxAgeMs: 10 });
    await expect(empty.current()).rejects.toThrow("database down");
  });

  it("peek never waits: a stale snapshot is served while one reload runs behind it", async () => {
    let now = 0;
    const { source, load } = fakeSource();
    const model = createChannelReadModel({ load, maxAgeMs: 1000, nowMs: () => now });
    expect(model.peek()).toBeNull();
    await model.refresh();
    source.value = "r2";
    now = 5000;
    const stale = model.peek();
    expect(stale?.entries.get("c")?.release?.name).toBe("r1");
    model.peek();
    expect(source.loads).toBe(2);
    await model.refresh();
    expect(model.peek()?.entries.get("c")?.release?.name).toBe("r2");
  });

  it("moves the pointers only on a flip, and neither on the lease columns no read shows", async () => {
    const row = { name: "c", leaseOwner: null, lastOutcome: { kind: "idle" } };
    const release = { id: 1, name: "r1" };
    const model = createChannelReadModel({
      load: async () => new Map([["c", { row, release } as unknown as ChannelSnapshotEntry]]),
      maxAgeMs: 60_000,
    });
    const seen = async () => {
      const { generation, pointers } = await model.refresh();
      return [generation, pointers];
    };
    expect(await seen()).toEqual([1, 1]);
    row.leaseOwner = "node-1" as never;
    expect(await seen()).toEqual([1, 1]);
    row.lastOutcome = { kind: "blocked" };
    expect(await seen()).toEqual([2, 1]);
    release.id = 2;
    release.name = "r2";
    expect(await seen()).toEqual([3, 2]);
  });
});
