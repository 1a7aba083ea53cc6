import { AppError } from "./errors.ts";

/** What a download may take: bytes (with the reason for the number) and time (through `signal`). */
export interface DownloadBudget {
  maxBytes: number;
  /** Where the cap comes from, for the message: "Hydra's filesize 152 bytes + margin". */
  capReason: string;
  /** Aborts at the overall deadline (see `startDeadline`); fetches and streams stop with its reason. */
  signal: AbortSignal;
}

/** A download went past its byte cap or its overall deadline. Not retried at once: the step backs off. */
export class DownloadLimitError extends AppError {
  constructor(
    code: "DOWNLOAD_TOO_LARGE" | "DOWNLOAD_DEADLINE",
    message: string,
    context: Record<string, unknown>,
  ) {
    super(code, message, { context });
  }
}

// Unknown sizes (Hydra's filesize is null) still get a ceiling: above today's largest ISO (≈ 4 GB).
const CEILING_BYTES = 16 * 1024 ** 3;

/**
 * A `.ls` NAR listing as the binary cache sends it (zstd or brotli JSON) and once decoded. Big
 * outputs' listings (texlive, linux-firmware: ~100k files) are a few MiB decoded, under 1 MiB
 * compressed; ten times that is still a listing, more is something else. Memory per listing in
 * flight stays under the decoded cap.
 */
export const LISTING_CAPS = {
  compressedBytes: 16 * 1024 ** 2,
  decodedBytes: 128 * 1024 ** 2,
} as const;

/** The cap for a download of `expected` bytes: 1% + 64 KiB over it (metadata may round), or the ceiling. */
export function byteCap(
  expected: number | null | undefined,
  source: string,
): Pick<DownloadBudget, "maxBytes" | "capReason"> {
  if (expected === null || expected === undefined || !Number.isSafeInteger(expected)) {
    return { maxBytes: CEILING_BYTES, capReason: `${source} unknown: the 16 GiB ceiling` };
  }
  return {
    maxBytes: expected + Math.ceil(expected / 100) + 64 * 1024,
    capReason: `${source} ${expected} bytes + margin`,
  };
}

/** An overall deadline for one download; `clear` it when the download is done. */
/**
 * A signal that never fires, for downloads whose request timeout already bounds them (listings).
 * Made per call: workerd refuses an AbortController created in a module's global scope.
 */
export const neverAborted = (): AbortSignal => new AbortController().signal;

export function startDeadline(ms: number, what: string): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const seconds = Math.round(ms / 100) / 10;
  const timer = setTimeout(() => {
    const message = `${what}: not finished within the download deadline of ${seconds} s (FLOODGATE_DOWNLOAD_DEADLINE_SECONDS); gave up`;
    controller.abort(new DownloadLimitError("DOWNLOAD_DEADLINE", message, { deadlineMs: ms }));
  }, ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Refuses a response whose `Content-Length` is over the cap before reading any of it. */
export async function refuseOversized(
  res: Response,
  budget: Pick<DownloadBudget, "maxBytes" | "capReason">,
  what: string,
): Promise<void> {
  const length = Number(res.headers.get("content-length") ?? Number.NaN);
  if (!(length > budget.maxBytes)) return;
  await res.body?.cancel().catch(() => undefined);
  throw new DownloadLimitError(
    "DOWNLOAD_TOO_LARGE",
    `${what}: Content-Length ${length} is over its cap of ${budget.maxBytes} bytes (${budget.capReason}); not downloaded`,
    { contentLength: length, maxBytes: budget.maxBytes },
  );
}

/**
 * Passes `body` through, erroring past `maxBytes` and, at once even while a read waits, when
 * `signal` aborts; the source is cancelled either way so its connection closes.
 */
export function limitDownload(
  body: ReadableStream<Uint8Array>,
  budget: DownloadBudget,
  what: string,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const { signal, maxBytes } = budget;
  let received = 0;
  let stop = () => {};
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, err: unknown) => {
    stop();
    controller.error(err);
    reader.cancel(err).catch(() => undefined);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const onAbort = () => fail(controller, withReceived(signal.reason, received));
        stop = () => signal.removeEventListener("abort", onAbort);
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      },
      async pull(controller) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (err) {
          if (!signal.aborted) fail(controller, err);
          return;
        }
        if (signal.aborted) return;
        if (next.done) {
          stop();
          controller.close();
          return;
        }
        received += next.value.byteLength;
        if (received > maxBytes) {
          const message = `${what}: more than its cap of ${maxBytes} bytes (${budget.capReason}) arrived; download stopped`;
          fail(controller, new DownloadLimitError("DOWNLOAD_TOO_LARGE", message, { maxBytes }));
          return;
        }
        controller.enqueue(next.value);
      },
      cancel(reason) {
        stop();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function withReceived(reason: unknown, received: number): unknown {
  if (!(reason instanceof DownloadLimitError) || reason.code !== "DOWNLOAD_DEADLINE") return reason;
  return new DownloadLimitError(
    "DOWNLOAD_DEADLINE",
    `${reason.message}; ${received} bytes had arrived`,
    { ...reason.context, received },
  );
}
