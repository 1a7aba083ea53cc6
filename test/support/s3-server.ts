import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "@20minutes/s3rver";

/** s3rver's default credentials: it checks SigV4 signatures made with them. */
export const S3_TEST_KEYS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface S3Fault {
  method?: string;
  /** Matched against the path and query, e.g. /partNumber=2&/. */
  url: RegExp;
  status: number;
  /** How many matching requests fail; the rest go through. */
  times: number;
}

export interface S3Request {
  method: string;
  url: string;
  status: number;
}

export interface TestS3Server {
  /** The endpoint to give floodgate (S3_ENDPOINT): the fault proxy in front of s3rver. */
  endpoint: string;
  bucket: string;
  /** Every request that reached the proxy, with the status it got. */
  requests: S3Request[];
  fail(fault: S3Fault): void;
  clearFaults(): void;
  /** FLOODGATE_STORAGE and the S3 variables for parseConfig. */
  env(prefix?: string): Record<string, string>;
  close(): Promise<void>;
}

/**
 * A real S3-compatible server (s3rver, files in a temp dir) on loopback, behind a small proxy that
 * records requests and answers chosen ones with a 5xx S3 error, as a failing S3 or R2 would.
 */
export async function startS3Server(bucket = "releases"): Promise<TestS3Server> {
  const directory = mkdtempSync(join(tmpdir(), "floodgate-s3-"));
  const s3 = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  const upstream = await s3.run();
  const faults: S3Fault[] = [];
  const requests: S3Request[] = [];
  const proxy = createServer((req, res) => {
    const url = req.url ?? "/";
    const method = req.method ?? "GET";
    const fault = faults.find(
      (f) => f.times > 0 && f.url.test(url) && (!f.method || f.method === method),
    );
    if (fault) {
      fault.times--;
      requests.push({ method, url, status: fault.status });
      req.resume();
      req.on("end", () => {
        res.writeHead(fault.status, { "Content-Type": "application/xml" });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`,
        );
      });
      return;
    }
    forward(req, upstream, (status, headers, body) => {
      requests.push({ method, url, status });
      res.writeHead(status, headers);
      body.pipe(res);
    }).catch((err: unknown) => {
      res.writeHead(502).end(String(err));
    });
  });
  const proxyAddress = await listen(proxy);
  const endpoint = `http://127.0.0.1:${proxyAddress.port}`;
  return {
    endpoint,
    bucket,
    requests,
    fail: (fault) => faults.push({ ...fault }),
    clearFaults: () => faults.splice(0),
    env: (prefix = "") => ({
      FLOODGATE_STORAGE: `s3://${bucket}${prefix ? `/${prefix}` : ""}`,
      S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: S3_TEST_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_TEST_KEYS.secretAccessKey,
      AWS_REGION: "us-east-1",
    }),
    close: async () => {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await s3.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Passes a request on unchanged (the Host header too: it is part of the SigV4 signature). */
function forward(
  req: IncomingMessage,
  upstream: AddressInfo,
  reply: (status: number, headers: IncomingMessage["headers"], body: IncomingMessage) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      {
        host: "127.0.0.1",
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (res) => {
        reply(res.statusCode ?? 502, res.headers, res);
        resolve();
      },
    );
    out.on("error", reject);
    req.pipe(out);
  });
}

function listen(server: Server): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server.address() as AddressInfo));
  });
}
