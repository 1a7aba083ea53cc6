import { z } from "zod";

// Hydra serialises Perl values: flags arrive as 0/1 (sometimes booleans), numbers sometimes as strings.
const Int = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);
const Flag = z.union([z.literal(0), z.literal(1), z.boolean(), z.literal("0"), z.literal("1")]).transform(
  (v) => v === 1 || v === true || v === "1",
);
const NullableInt = Int.nullable().optional().transform((v) => v ?? null);
const NullableString = z.string().nullable().optional().transform((v) => v ?? null);

export const HydraBuildProduct = z.looseObject({
  type: z.string(),
  subtype: z.string().nullable().optional().transform((v) => v ?? ""),
  name: z.string(),
  path: NullableString,
  defaultpath: NullableString,
  filesize: NullableInt,
  sha256hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, "sha256hash must be 64 hex characters")
    .nullable()
    .optional()
    .transform((v) => v?.toLowerCase() ?? null),
});
export type HydraBuildProduct = z.infer<typeof HydraBuildProduct>;

export const HydraBuild = z.looseObject({
  id: Int,
  finished: Flag,
  timestamp: NullableInt,
  starttime: NullableInt,
  stoptime: NullableInt,
  project: z.string(),
  jobset: z.string(),
  job: z.string(),
  nixname: NullableString,
  system: z.string(),
  buildstatus: NullableInt,
  releasename: NullableString,
  jobsetevals: z.array(Int).default([]),
  buildproducts: z
    .record(z.string(), HydraBuildProduct)
    .nullable()
    .optional()
    .transform((v) => v ?? {}),
});
export type HydraBuild = z.infer<typeof HydraBuild>;

export const HydraEvalInput = z.looseObject({
  type: z.string(),
  uri: NullableString,
  revision: z
    .string()
    .regex(/^[0-9a-f]{40}$/i, "revision must be a 40-hex git sha")
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  value: NullableString,
});
export type HydraEvalInput = z.infer<typeof HydraEvalInput>;

export const HydraEval = z.looseObject({
  id: Int,
  timestamp: NullableInt,
  hasnewbuilds: Flag,
  builds: z.array(Int).default([]),
  jobsetevalinputs: z.record(z.string(), HydraEvalInput).default({}),
});
export type HydraEval = z.infer<typeof HydraEval>;

export const HydraLatestBuild = z.looseObject({
  id: Int,
  project: z.string(),
  jobset: z.string(),
  job: z.string(),
  system: z.string(),
  nixname: NullableString,
  finished: Flag,
  timestamp: NullableInt,
  buildstatus: NullableInt,
});
export type HydraLatestBuild = z.infer<typeof HydraLatestBuild>;

export const HydraJobsetOverview = z.looseObject({
  project: z.string(),
  name: z.string(),
  nrscheduled: Int,
  nrsucceeded: NullableInt,
  nrfailed: NullableInt,
  nrtotal: NullableInt,
});
export type HydraJobsetOverview = z.infer<typeof HydraJobsetOverview>;
