import { z } from "zod";
import { releaseStates } from "../../db/schema.ts";

export const MAX_RELEASES_LIMIT = 100;
export const DEFAULT_RELEASES_LIMIT = 20;

const CURSOR_SHAPE = "a cursor from a previous page's `next` (<unix ms>-<id>)";
// Bounds of what a real cursor holds: a release id is an int4 (serial) and PostgreSQL takes
// timestamps only up to year 9999 in ISO form; past either the query itself would fail (a 500).
const MAX_CURSOR_MS = Date.UTC(9999, 11, 31);
const MAX_RELEASE_ID = 2_147_483_647;

/** `before` is the previous page's `next` cursor: `<created at, unix ms>-<release id>`. */
export const ReleaseCursor = z
  .string()
  .regex(/^\d{1,15}-\d{1,10}$/, CURSOR_SHAPE)
  .transform((value) => {
    const [ms, id] = value.split("-").map(Number);
    return { createdAt: new Date(ms ?? 0), id: id ?? 0 };
  })
  .refine((c) => c.createdAt.getTime() <= MAX_CURSOR_MS && c.id <= MAX_RELEASE_ID, CURSOR_SHAPE);
export type ReleaseCursor = z.output<typeof ReleaseCursor>;

/** `?limit=` (1…MAX_RELEASES_LIMIT, default 20) and `?before=` (a cursor). */
export const ReleaseListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_RELEASES_LIMIT).default(DEFAULT_RELEASES_LIMIT),
  before: ReleaseCursor.optional(),
});
export type ReleaseListQuery = z.output<typeof ReleaseListQuery>;

const Instant = z.iso.datetime();

/** One release of a channel, whatever its state; `url` is its page while its files are kept. */
export const ReleaseSummary = z.object({
  name: z.string(),
  revision: z.string(),
  revisionCommittedAt: Instant.nullable(),
  state: z.enum(releaseStates),
  evalId: z.number().int(),
  buildId: z.number().int(),
  createdAt: Instant,
  publishedAt: Instant.nullable(),
  prunedAt: Instant.nullable(),
  url: z.string().nullable(),
  lastError: z.object({ code: z.string(), message: z.string(), step: z.string() }).nullable(),
});
export type ReleaseSummary = z.infer<typeof ReleaseSummary>;

/** A page of releases, newest first, and the link to the next (older) page when there is one. */
export const ReleasePage = z.object({
  channel: z.string(),
  releases: z.array(ReleaseSummary),
  next: z.string().nullable(),
});
export type ReleasePage = z.infer<typeof ReleasePage>;
