/**
 * A body that misbehaves on the wire: too many bytes, or bytes that trickle in. The size claimed
 * in `Content-Length` may differ from what is sent (the connection is then cut at the end).
 */
export interface FaultBody {
  /** Bytes actually sent before the response ends (or is cut). */
  bytes: number;
  /** Bytes per chunk; default 64 KiB. */
  chunkBytes?: number;
  /** Wait before each chunk (a drip); default none. */
  everyMs?: number;
  /** `Content-Length` to claim; default none (chunked). */
  contentLength?: number;
  /** Counts the bytes that went out, for tests to bound. */
  sent?: { bytes: number };
}

/** A 200 whose body misbehaves as `spec` says; it stops when the client goes away. */
export function faultBodyResponse(spec: FaultBody): Response {
  const sent = spec.sent ?? { bytes: 0 };
  const chunk = new Uint8Array(spec.chunkBytes ?? 64 * 1024);
  let sentHere = 0;
  let cancelled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (sentHere >= spec.bytes) return controller.close();
        if (spec.everyMs) await new Promise((r) => (timer = setTimeout(r, spec.everyMs)));
        if (cancelled) return;
        const piece = chunk.slice(0, Math.min(chunk.byteLength, spec.bytes - sentHere));
        sentHere += piece.byteLength;
        sent.bytes += piece.byteLength;
        controller.enqueue(piece);
      },
      cancel() {
        cancelled = true;
        clearTimeout(timer);
      },
    },
    { highWaterMark: 0 },
  );
  const headers: Record<string, string> = { "Content-Type": "application/octet-stream" };
  if (spec.contentLength !== undefined) headers["Content-Length"] = String(spec.contentLength);
  return new Response(body, { status: 200, headers });
}
