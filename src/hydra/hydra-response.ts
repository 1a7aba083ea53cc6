import { z } from "zod";
import { AppError, UpstreamError } from "../errors.ts";
import { parseRetryAfter } from "./rate-limiter.ts";

/** A failed Hydra request; `retryAfterMs` carries the server's `Retry-After` for the retry helper. */
export class HydraRequestError extends UpstreamError {
  readonly retryAfterMs: number | undefined;

  constructor(
    code: string,
    message: string,
    opts: {
      retryable: boolean;
      url: string;
      status?: number;
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super(code, message, opts);
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export async function discard<T>(res: Response, value: T): Promise<T> {
  await res.body?.cancel().catch(() => undefined);
  return value;
}

export function transportError(err: unknown, url: string): AppError {
  if (err instanceof AppError) return err;
  const name = err instanceof Error ? err.name : "";
  if (name === "TimeoutError") {
    return new HydraRequestError("HYDRA_TIMEOUT", `Hydra ${url}: timed out`, {
      retryable: true,
      url,
      cause: err,
    });
  }
  const detail =
    err instanceof Error
      ? err.cause instanceof Error
        ? err.cause.message
        : err.message
      : String(err);
  return new HydraRequestError("HYDRA_NETWORK", `Hydra ${url}: network error: ${detail}`, {
    retryable: true,
    url,
    cause: err,
  });
}

/** Maps a non-2xx answer to a typed error; Hydra's JSON `{ "error": … }` becomes part of the message. */
export async function statusError(
  res: Response,
  url: string,
  nowMs: number,
): Promise<HydraRequestError> {
  const text = await readCapped(res, 64 * 1024, url).catch(() => "");
  const hydraMessage = errorField(text);
  const suffix = hydraMessage ? `: ${hydraMessage}` : "";
  const status = res.status;
  const fields = { url, status };
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), nowMs);
    const hint = retryAfterMs === undefined ? "" : ` (Retry-After ${retryAfterMs} ms)`;
    return new HydraRequestError(
      "HYDRA_RATE_LIMITED",
      `Hydra ${url}: HTTP 429 rate limited${hint}`,
      {
        ...fields,
        retryable: true,
        retryAfterMs,
      },
    );
  }
  if (status >= 500) {
    return new HydraRequestError("HYDRA_HTTP_5XX", `Hydra ${url}: HTTP ${status}${suffix}`, {
      ...fields,
      retryable: true,
    });
  }
  const code = status === 404 ? "HYDRA_NOT_FOUND" : "HYDRA_HTTP_4XX";
  return new HydraRequestError(code, `Hydra ${url}: HTTP ${status}${suffix}`, {
    ...fields,
    retryable: false,
  });
}

function errorField(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    const parsed = z.object({ error: z.string() }).safeParse(body);
    return parsed.success ? parsed.data.error.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

export async function readCapped(res: Response, maxBytes: number, url: string): Promise<string> {
  const tooLarge = () =>
    new HydraRequestError("HYDRA_TOO_LARGE", `Hydra ${url}: body exceeds ${maxBytes} bytes`, {
      retryable: false,
      url,
      status: res.status,
    });
  if (Number(res.headers.get("content-length") ?? 0) > maxBytes)
    throw await discard(res, tooLarge());
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

export function parseBody<S extends z.ZodType>(
  text: string,
  schema: S,
  url: string,
  contentType: string | null,
): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // An HTML error page from nginx/iocaine, or a body cut short: worth another try later.
    const snippet = JSON.stringify(text.slice(0, 60));
    const what = `not JSON (content-type ${contentType ?? "none"}, ${text.length} chars, starts ${snippet})`;
    throw new HydraRequestError("HYDRA_NOT_JSON", `Hydra ${url}: body is ${what}`, {
      retryable: true,
      url,
      cause: err,
    });
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join(".") || "(root)";
    return `${path}: ${issue.message} (got ${describeValue(valueAt(json, issue.path))})`;
  });
  throw new HydraRequestError(
    "HYDRA_BAD_SHAPE",
    `Hydra ${url}: unexpected JSON: ${problems.join("; ")}`,
    {
      retryable: false,
      url,
    },
  );
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key]; // safe because node is a non-null object
  }
  return node;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
