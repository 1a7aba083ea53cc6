/** Bodies compressed ahead of time, by content coding. */
export type EncodedBodies = Partial<Record<"br" | "gzip", Uint8Array<ArrayBuffer>>>;

/** Makes a text body's compressed forms (Node: brotli and gzip off the event loop). */
export type EncodeBody = (body: string) => Promise<EncodedBodies>;

/** The best content coding the client accepts that the body has (brotli before gzip). */
export function pickEncoding(accept: string | undefined, encoded: EncodedBodies) {
  const accepted = new Set(
    (accept ?? "")
      .split(",")
      .filter((t) => !/;\s*q=0(?:\.0*)?\s*$/.test(t))
      .map((t) => t.split(";")[0]?.trim()),
  );
  for (const coding of ["br", "gzip"] as const) {
    const body = encoded[coding];
    if (body && accepted.has(coding)) return { coding, body };
  }
  return null;
}
