import { z } from "zod";

// Hydra serialises Perl values: flags arrive as 0/1 (sometimes booleans), numbers sometimes as strings.
// Lenient about representation, strict about meaning: ids, flags, statuses and git revisions must be exact.
const SafeInt = z.number().int();
const Int = z.union([
  SafeInt,
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number)
    .pipe(SafeInt),
]);
const Count = z.union([SafeInt.min(0), z.string().regex(/^\d+$/).transform(Number).pipe(SafeInt)]);
const Id = z.union([
  SafeInt.positive("an id must be a positive integer"),
  z
    .string()
    .regex(/^[1-9]\d*$/, "an id must be a positive integer")
    .transform(Number)
    .pipe(SafeInt),
]);
const Flag = z
  .union([z.literal(0), z.literal(1), z.boolean(), z.literal("0"), z.literal("1")], {
    error: "expected a 0/1 flag",
  })
  .transform((v) => v === 1 || v === true || v === "1");
const NullableInt = Int.nullable()
  .optional()
  .transform((v) => v ?? null);
const NullableCount = Count.nullable()
  .optional()
  .transform((v) => v ?? null);
const NullableString = z
  .string()
  .nullable()
  .optional()
  .transform((v) => v ?? null);
const GIT_REVISION = /^[0-9a-f]{40}$/;

/** `buildstatus` only means something once `finished`; a finished build without one is not a result. */
function requireStatusWhenFinished(
  build: { finished: boolean; buildstatus: number | null },
  ctx: z.RefinementCtx,
): void {
  if (build.finished && build.buildstatus === null) {
    ctx.addIssue({
      code: "custom",
      path: ["buildstatus"],
      message: "a finished build must have a buildstatus",
    });
  }
}

export const HydraBuildProduct = z.looseObject({
  type: z.string(),
  subtype: z
    .string()
    .nullable()
    .optional()
    .transform((v) => v ?? ""),
  name: z.string(),
  path: NullableString,
  defaultpath: NullableString,
  filesize: NullableCount,
  sha256hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, "sha256hash must be 64 hex characters")
    .nullable()
    .optional()
    .transform((v) => v?.toLowerCase() ?? null),
});
export type HydraBuildProduct = z.infer<typeof HydraBuildProduct>;

export const HydraBuild = z
  .looseObject({
    id: Id,
    finished: Flag,
    timestamp: NullableInt,
    starttime: NullableInt,
    stoptime: NullableInt,
    project: z.string(),
    jobset: z.string(),
    job: z.string(),
    nixname: NullableString,
    system: z.string(),
    buildstatus: NullableCount,
    releasename: NullableString,
    drvpath: z.string().optional(),
    priority: Int.optional(),
    jobsetevals: z.array(Id).default([]),
    buildoutputs: z
      .record(z.string(), z.looseObject({ path: NullableString }))
      .nullable()
      .optional()
      .transform((v) => v ?? {}),
    buildproducts: z
      .record(z.string(), HydraBuildProduct)
      .nullable()
      .optional()
      .transform((v) => v ?? {}),
  })
  .superRefine(requireStatusWhenFinished);
export type HydraBuild = z.infer<typeof HydraBuild>;

export const HydraEvalInput = z
  .looseObject({
    type: z.string(),
    uri: NullableString,
    revision: z
      .string()
      .transform((v) => (/^[0-9a-f]{40}$/i.test(v) ? v.toLowerCase() : v))
      .nullable()
      .optional()
      .transform((v) => v ?? null),
    value: NullableString,
    dependency: NullableInt,
  })
  .superRefine((input, ctx) => {
    // Other input types (svn, bzr, path…) have revisions that are not git shas.
    if (input.type === "git" && input.revision !== null && !GIT_REVISION.test(input.revision)) {
      ctx.addIssue({
        code: "custom",
        path: ["revision"],
        message: "revision must be a 40-hex git sha",
      });
    }
  });
export type HydraEvalInput = z.infer<typeof HydraEvalInput>;

export const HydraEval = z.looseObject({
  id: Id,
  timestamp: NullableInt,
  checkouttime: Int.nullable().optional(),
  evaltime: Int.nullable().optional(),
  hasnewbuilds: Flag,
  flake: z.string().nullable().optional(),
  builds: z.array(Id).default([]),
  jobsetevalinputs: z
    .record(z.string(), HydraEvalInput)
    .nullable()
    .optional()
    .transform((v) => v ?? {}),
});
export type HydraEval = z.infer<typeof HydraEval>;

/** `/jobset/P/J/evals`: 20 evals per page, newest first; links are relative query strings. */
export const HydraEvalPage = z.looseObject({
  evals: z.array(HydraEval),
  first: z.string(),
  last: z.string(),
  next: z.string().optional(),
  previous: z.string().optional(),
});
export type HydraEvalPage = z.infer<typeof HydraEvalPage>;

export const HydraLatestBuild = z
  .looseObject({
    id: Id,
    project: z.string(),
    jobset: z.string(),
    job: z.string(),
    system: z.string(),
    nixname: NullableString,
    finished: Flag,
    timestamp: NullableInt,
    buildstatus: NullableCount,
    priority: Int.optional(),
  })
  .superRefine(requireStatusWhenFinished);
export type HydraLatestBuild = z.infer<typeof HydraLatestBuild>;

export const HydraJobsetOverview = z.looseObject({
  project: z.string(),
  name: z.string(),
  nrscheduled: Count,
  nrsucceeded: NullableCount,
  nrfailed: NullableCount,
  nrtotal: NullableCount,
  /** When the evaluator last checked the jobset's inputs (unix s): the newest eval saw commits pushed before. */
  lastcheckedtime: NullableInt,
});
export type HydraJobsetOverview = z.infer<typeof HydraJobsetOverview>;
