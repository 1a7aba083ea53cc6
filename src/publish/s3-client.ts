import { AwsClient } from "aws4fetch";
import { AppError, IntegrityError } from "../errors.ts";

/** Where the bucket is and how to sign for it (from FLOODGATE_STORAGE, S3_ENDPOINT and AWS_*). */
export interface S3Location {
  bucket: string;
  /** `https://<account>.r2.cloudflarestorage.com`, `http://127.0.0.1:9000`, …; unset → AWS S3. */
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key`; default on with an endpoint. */
  forcePathStyle?: boolean;
  /** Retries of a 5xx or 429 answer (aws4fetch's backoff with jitter); default 3. */
  retries?: number;
  /** First backoff in ms, doubled each retry; default 100. */
  retryBaseMs?: number;
}

export interface S3Part {
  partNumber: number;
  etag: string;
}

/** One failed S3 call: the HTTP status and S3's own error code, e.g. `500 InternalError`. */
export class S3RequestError extends AppError {
  readonly status: number;
  readonly s3Code: string;
  constructor(what: string, key: string, status: number, s3Code: string, message: string) {
    const retryable = status >= 500 || status === 429;
    super(
      "STORAGE_S3",
      `S3 ${what} of ${key} failed: ${status} ${s3Code}${message ? `: ${message}` : ""}`,
      { retryable, context: { key, status, s3Code } },
    );
    this.status = status;
    this.s3Code = s3Code;
  }
}

/**
 * The few S3 REST calls the store needs, signed with SigV4 by aws4fetch over `fetch` (so it runs
 * on Node and Workers). Keys are full object keys (prefix included); bodies are bytes or streams.
 */
export function createS3Client(loc: S3Location) {
  const aws = new AwsClient({
    accessKeyId: loc.accessKeyId,
    secretAccessKey: loc.secretAccessKey,
    sessionToken: loc.sessionToken,
    service: "s3",
    region: loc.region,
    retries: loc.retries ?? 3,
    initRetryMs: loc.retryBaseMs ?? 100,
  });
  const base = bucketBaseUrl(loc);
  const objectUrl = (key: string, query: Record<string, string> = {}) => {
    const url = new URL(`${base}/${key.split("/").map(encodeRfc3986).join("/")}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url.toString();
  };

  const call = async (
    what: string,
    key: string,
    url: string,
    init: RequestInit,
    ok: (status: number) => boolean = (s) => s >= 200 && s < 300,
  ): Promise<Response> => {
    let res: Response;
    try {
      res = await aws.fetch(url, init);
    } catch (err) {
      throw new AppError("STORAGE_S3", `S3 ${what} of ${key} failed: ${String(err)}`, {
        retryable: true,
        cause: err,
        context: { key },
      });
    }
    if (ok(res.status)) return res;
    const text = init.method === "HEAD" ? "" : await res.text().catch(() => "");
    const s3Code = xmlText(text, "Code") ?? res.statusText;
    const message = xmlText(text, "Message") ?? "";
    if (s3Code === "BadDigest" || s3Code === "XAmzContentSHA256Mismatch") {
      throw new IntegrityError(`S3 refused ${key}: ${s3Code} ${message}`, { key });
    }
    throw new S3RequestError(what, key, res.status, s3Code, message);
  };

  return {
    /** Headers of an object, or null when there is none. */
    async head(key: string): Promise<Headers | null> {
      const res = await call("HEAD", key, objectUrl(key), { method: "HEAD" }, okOr404);
      return res.status === 404 ? null : res.headers;
    },

    /** The object (or bytes `start..end` of it, inclusive), or null when there is none. */
    async get(key: string, range?: { start: number; end?: number }): Promise<Response | null> {
      const headers = range ? { Range: `bytes=${range.start}-${range.end ?? ""}` } : undefined;
      const res = await call("GET", key, objectUrl(key), { method: "GET", headers }, okOr404);
      if (res.status !== 404) return res;
      await res.body?.cancel();
      return null;
    },

    async put(
      key: string,
      body: Uint8Array<ArrayBuffer>,
      headers: Record<string, string>,
    ): Promise<void> {
      const res = await call("PUT", key, objectUrl(key), { method: "PUT", body, headers });
      await res.body?.cancel();
    },

    async createMultipartUpload(key: string, headers: Record<string, string>): Promise<string> {
      const url = objectUrl(key, { uploads: "" });
      const res = await call("multipart start", key, url, { method: "POST", headers });
      const uploadId = xmlText(await res.text(), "UploadId");
      if (!uploadId) {
        throw new AppError("STORAGE_S3", `S3 multipart start of ${key} returned no UploadId`, {
          context: { key },
        });
      }
      return uploadId;
    },

    async uploadPart(
      key: string,
      uploadId: string,
      partNumber: number,
      body: Uint8Array<ArrayBuffer>,
    ): Promise<S3Part> {
      const url = objectUrl(key, { partNumber: String(partNumber), uploadId });
      const res = await call(`part ${partNumber} upload`, key, url, { method: "PUT", body });
      await res.body?.cancel();
      const etag = res.headers.get("ETag");
      if (!etag) {
        throw new AppError("STORAGE_S3", `S3 gave no ETag for part ${partNumber} of ${key}`, {
          context: { key, partNumber },
        });
      }
      return { partNumber, etag };
    },

    async completeMultipartUpload(key: string, uploadId: string, parts: S3Part[]): Promise<void> {
      const xml = `<CompleteMultipartUpload>${parts
        .map(
          (p) =>
            `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`,
        )
        .join("")}</CompleteMultipartUpload>`;
      const url = objectUrl(key, { uploadId });
      const res = await call("multipart completion", key, url, { method: "POST", body: xml });
      // S3 may answer 200 and still fail: the error is then in the body.
      const text = await res.text();
      if (/<Error>/.test(text)) {
        const s3Code = xmlText(text, "Code") ?? "Error";
        throw new S3RequestError(
          "multipart completion",
          key,
          500,
          s3Code,
          xmlText(text, "Message") ?? "",
        );
      }
    },

    async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
      const res = await call("multipart abort", key, objectUrl(key, { uploadId }), {
        method: "DELETE",
      });
      await res.body?.cancel();
    },

    /** Every object key starting with `prefix`, page by page (ListObjectsV2). */
    async listKeys(prefix: string): Promise<string[]> {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        // The bucket URL itself, no trailing slash: the path SigV4 signs, as the AWS SDKs send it.
        const url = new URL(base);
        url.searchParams.set("list-type", "2");
        url.searchParams.set("prefix", prefix);
        if (token) url.searchParams.set("continuation-token", token);
        const res = await call("list", prefix, url.toString(), { method: "GET" });
        const text = await res.text();
        for (const block of text.match(/<Contents>[\s\S]*?<\/Contents>/g) ?? []) {
          const key = xmlText(block, "Key");
          if (key !== undefined) keys.push(key);
        }
        token =
          xmlText(text, "IsTruncated") === "true"
            ? xmlText(text, "NextContinuationToken")
            : undefined;
      } while (token);
      return keys;
    },

    async deleteObject(key: string): Promise<void> {
      const res = await call("DELETE", key, objectUrl(key), { method: "DELETE" }, okOr404);
      await res.body?.cancel();
    },
  };
}

export type S3Client = ReturnType<typeof createS3Client>;

const okOr404 = (status: number) => (status >= 200 && status < 300) || status === 404;

function bucketBaseUrl(loc: S3Location): string {
  const endpoint = (loc.endpoint ?? `https://s3.${loc.region}.amazonaws.com`).replace(/\/+$/, "");
  const pathStyle = loc.forcePathStyle ?? loc.endpoint !== undefined;
  if (pathStyle) return `${endpoint}/${encodeRfc3986(loc.bucket)}`;
  const url = new URL(endpoint);
  url.hostname = `${loc.bucket}.${url.hostname}`;
  return url.toString().replace(/\/+$/, "");
}

/** encodeURIComponent plus the characters RFC 3986 reserves, as SigV4 canonicalises them. */
function encodeRfc3986(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** The text of the first `<tag>` in a small, known S3 answer (no attributes, no nesting of it). */
export function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  if (!match) return undefined;
  return (match[1] ?? "").replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name.startsWith("#x") || name.startsWith("#X")) {
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    }
    if (name.startsWith("#")) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
