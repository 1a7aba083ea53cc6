import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGLITE_START_PARAMS } from "./pglite.node.ts";
import { type PgliteThread, startPgliteThread } from "./pglite-thread.node.ts";

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

// The embedded database as floodgate reaches it: PGlite in its thread, postgres.js on its socket.
describe("PGlite in a worker thread", () => {
  const dir = mkdtempSync(join(tmpdir(), "floodgate-pglite-thread-"));
  let thread: PgliteThread;
  const clients: postgres.Sql[] = [];
  const connect = () => {
    const sql = postgres(thread.connection.url, {
      path: thread.connection.path,
      max: 1,
      onnotice: () => {},
    });
    clients.push(sql);
    return sql;
  };

  beforeAll(async () => {
    thread = await startPgliteThread({
      dataDir: join(dir, "db"),
      startParams: PGLITE_START_PARAMS,
    });
    await connect()`create table kept (id int primary key, note text)`;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((sql) => sql.end({ timeout: 5 })));
    await thread?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers while the event loop keeps turning: a slow query runs beside it", async () => {
    const sql = connect();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const [row] =
      await sql`select count(*)::int as n from generate_series(1, 3000000) g where g % 7 = 0`;
    delay.disable();
    expect(row?.n).toBe(428571);
    // On this thread the query would hold the loop for its whole length (~1 s and more).
    expect(delay.max / 1e6).toBeLessThan(200);
  });

  it("streams a large answer whole (PGlite reuses the memory it hands out)", async () => {
    const rows = await connect()`
      select g as n, md5(g::text) as digest from generate_series(1, 60000) g`;
    expect(rows).toHaveLength(60000);
    const wrong = rows.filter((row, i) => row.n !== i + 1 || row.digest !== md5(String(i + 1)));
    expect(wrong).toEqual([]);
  });

  it("lets a second connection in only after the first's transaction ends", async () => {
    const first = connect();
    const second = connect();
    const order: string[] = [];
    const inside = first.begin(async (tx) => {
      await tx`insert into kept values (1, 'first')`;
      order.push("first inserted");
      await new Promise((resolve) => setTimeout(resolve, 300));
      order.push("first commits");
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const seen = await second`select note from kept where id = 1`;
    order.push("second read");
    await inside;
    expect(order).toEqual(["first inserted", "first commits", "second read"]);
    expect(seen).toEqual([{ note: "first" }]);
  });

  it("rolls back what a connection left open when it goes", async () => {
    const leaving = connect();
    const staying = connect();
    const reserved = await leaving.reserve();
    await reserved`begin`;
    await reserved`insert into kept values (2, 'never committed')`;
    reserved.release();
    await leaving.end({ timeout: 0 });
    expect(await staying`select id from kept order by id`).toEqual([{ id: 1 }]);
  });

  it("keeps what was committed across a stop and a new thread on the same directory", async () => {
    await Promise.all(clients.splice(0).map((sql) => sql.end({ timeout: 5 })));
    await thread.stop();
    thread = await startPgliteThread({
      dataDir: join(dir, "db"),
      startParams: PGLITE_START_PARAMS,
    });
    expect(await connect()`select id, note from kept`).toEqual([{ id: 1, note: "first" }]);
  }, 120_000);

  it("tells when its thread ends on its own; queries then fail at once, and stop returns", async () => {
    const doomed = await startPgliteThread({ startParams: PGLITE_START_PARAMS });
    const sql = postgres(doomed.connection.url, { path: doomed.connection.path, max: 1 });
    expect(await sql`select 1 as one`).toEqual([{ one: 1 }]);
    await doomed.kill();
    expect((await doomed.lost).message).toMatch(/exited/);
    await expect(sql`select 1`).rejects.toThrow();
    await sql.end({ timeout: 1 });
    await doomed.stop();
  }, 120_000);
});
