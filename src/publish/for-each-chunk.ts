/** Feeds a body to `onChunk` piece by piece; a failing consumer cancels the stream. */
export async function forEachChunk(
  body: ReadableStream<Uint8Array> | Uint8Array | string,
  onChunk: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  if (typeof body === "string") return onChunk(new TextEncoder().encode(body));
  if (body instanceof Uint8Array) return onChunk(body);
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      await onChunk(value);
    }
  } catch (err) {
    await reader.cancel(err).catch(() => {});
    throw err;
  } finally {
    reader.releaseLock();
  }
}
