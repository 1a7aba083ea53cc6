import { z } from "zod";

export const channelStatuses = ["rolling", "beta", "stable", "deprecated", "unmaintained"] as const;
export const channelVariants = ["primary", "small", "darwin", "aarch64"] as const;

const JobPath = z
  .string()
  .regex(
    /^[^/\s]+\/[^/\s]+\/[^/\s]+$/,
    'expected "<project>/<jobset>/<job>", e.g. "nixos/unstable/tested"',
  )
  .transform((job) => {
    const [project = "", jobset = "", name = ""] = job.split("/");
    return { project, jobset, job: name };
  });

/** One channel, in the shape of NixOS/infra's channels.nix plus what floodgate needs to publish it. */
export const ChannelSpec = z
  .object({
    name: z
      .string()
      .regex(
        /^[a-z]+-[a-z0-9][a-z0-9.-]*$/,
        'expected "<collection>-<qualifier>", e.g. "nixos-unstable"',
      ),
    job: JobPath,
    status: z.enum(channelStatuses),
    variant: z.enum(channelVariants).optional(),
    branch: z.string().min(1).optional(),
    sourceBranch: z.string().min(1),
    productJob: z.string().min(1),
    schedule: z.string().min(9).default("*/10 * * * *"),
    /** Published releases retention keeps for this channel; overrides FLOODGATE_KEEP_RELEASES. */
    keepReleases: z.number().int().min(1).optional(),
  })
  .strict()
  .transform((c) => ({ ...c, branch: c.branch ?? c.name }));
export type ChannelSpec = z.infer<typeof ChannelSpec>;

export const ChannelsFile = z
  .object({
    $comment: z.string().optional(),
    channels: z.array(ChannelSpec).min(1, "expected at least one channel"),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.channels.forEach((c, i) => {
      if (seen.has(c.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["channels", i, "name"],
          message: `duplicate channel "${c.name}"`,
        });
      }
      seen.add(c.name);
    });
  });
export type ChannelsFile = z.infer<typeof ChannelsFile>;
