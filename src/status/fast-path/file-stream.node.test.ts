import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFileSender } from "./file-stream.node.ts";

const CHUNK = 64 * 1024;
// Not a whole number of chunks, so the last read is a short one.
const BYTES = randomBytes(40 * CHUNK + 123);
// More than loopback's socket buffers hold, so a client that does not read makes writes wait.
const LARGE = randomBytes(24 * 1024 * 1024 + 5);

describe("createFileSender", () => {
  let dir: string;
  let server: Server;
  let base: string;
  const outcomes: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "floodgate-file-stream-"));
    await writeFile(join(dir, "small"), BYTES);
    await writeFile(join(dir, "large"), LARGE);
    const send = createFileSender(CHUNK);
    // GET /<file>?start=&end= sends those bytes (inclusive), announcing `announce` bytes if given.
    server = createServer(async (req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const path = join(dir, url.pathname === "/large" ? "large" : "small");
      const query = url.searchParams;
      const start = Number(query.get("start"));
      const end = Number(query.get("end"));
      const length = Number(query.get("announce") ?? end - start + 1);
      const file = await open(path, "r");
      try {
        res.writeHead(200, { "Content-Length": String(length) });
        outcomes.push(await send(res, file, start, end));
      } catch (err) {
        outcomes.push(`failed: ${(err as Error).message}`);
        res.destroy();
      } finally {
        await file.close();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const fetchRange = async (start: number, end: number) => {
    const res = await fetch(`${base}/?start=${start}&end=${end}`);
    return Buffer.from(await res.arrayBuffer());
  };

  it("sends the whole file and ranges across chunk boundaries, byte for byte", async () => {
    const last = BYTES.length - 1;
    for (const [start, end] of [
      [0, last],
      [0, 0],
      [last, last],
      [CHUNK - 1, CHUNK],
      [CHUNK, 3 * CHUNK - 1],
      [5, 7 * CHUNK + 11],
    ] as const) {
      expect((await fetchRange(start, end)).equals(BYTES.subarray(start, end + 1))).toBe(true);
    }
  });

  it("keeps concurrent downloads apart while it reuses their buffers", async () => {
    // Eight at once, each its own range, twice over: the second round's downloads take the
    // buffers the first round's gave back.
    const ranges = Array.from({ length: 8 }, (_, i) => [i * 1000, BYTES.length - 1 - i * 777]);
    for (let round = 0; round < 2; round++) {
      const bodies = await Promise.all(
        ranges.map(([start = 0, end = 0]) => fetchRange(start, end)),
      );
      bodies.forEach((body, i) => {
        const [start = 0, end = 0] = ranges[i] ?? [];
        expect(body.equals(BYTES.subarray(start, end + 1)), `range ${i}`).toBe(true);
      });
    }
  });

  it("reuses a buffer only once the socket let go of it, for a client that reads slowly", async () => {
    const body = await new Promise<Buffer>((resolve, reject) => {
      get(`${base}/large?start=0&end=${LARGE.length - 1}`, (res) => {
        const chunks: Buffer[] = [];
        res.pause();
        // Nothing read for a while: the socket fills and the sender's writes wait on it.
        setTimeout(() => res.resume(), 300);
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve(Buffer.concat(chunks)));
        res.on("error", reject);
      }).on("error", reject);
    });
    expect(body.length).toBe(LARGE.length);
    expect(body.equals(LARGE)).toBe(true);
  });

  it("stops when the client leaves, and serves the next download whole", async () => {
    outcomes.length = 0;
    await new Promise<void>((resolve, reject) => {
      const req = get(`${base}/?start=0&end=${BYTES.length - 1}`, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", (err) => {
        if (!req.destroyed) reject(err);
      });
    });
    await expect.poll(() => outcomes).toEqual(["client left"]);
    expect((await fetchRange(0, BYTES.length - 1)).equals(BYTES)).toBe(true);
  });

  it("fails, and cuts the response short, when the file ends before the bytes announced", async () => {
    outcomes.length = 0;
    const beyond = BYTES.length + CHUNK;
    const cut = fetch(`${base}/?start=0&end=${beyond}&announce=${beyond + 1}`).then((res) =>
      res.arrayBuffer(),
    );
    await expect(cut).rejects.toThrow();
    expect(outcomes).toEqual([
      `failed: the file ended at byte ${BYTES.length}, before ${beyond + 1}`,
    ]);
  });
});
