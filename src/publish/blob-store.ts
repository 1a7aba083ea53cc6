export interface BlobInfo {
  size: number;
  /** Strong validator: the object's sha256 (hex) where the store knows it. */
  etag: string;
  contentType: string;
  /** When the object was stored (`Last-Modified`; channel-exporter reads it on `git-revision`). */
  lastModified?: Date;
}

export interface BlobBody extends BlobInfo {
  body: ReadableStream<Uint8Array>;
  /** Inclusive byte range served, when a range was asked for. */
  range?: { start: number; end: number };
}

export interface PutOptions {
  contentType?: string;
  /** Refuse the object (and store nothing) unless its sha256 equals this hex digest. */
  expectedSha256?: string;
}

/**
 * Where release files live (filesystem, S3/R2). `put` is atomic: readers see the whole object or
 * none of it. Keys are `/`-separated paths without a leading slash.
 */
export interface BlobStore {
  head(key: string): Promise<BlobInfo | null>;
  get(key: string, range?: { start: number; end?: number }): Promise<BlobBody | null>;
  put(
    key: string,
    body: ReadableStream<Uint8Array> | Uint8Array | string,
    opts?: PutOptions,
  ): Promise<{ size: number; sha256: string }>;
  /** Every key under the folder `prefix` (`a/b` lists `a/b/…`), in no particular order. */
  list(prefix: string): Promise<string[]>;
  /** Removes one object; removing a missing one is not an error (retention may run twice). */
  delete(key: string): Promise<void>;
}
