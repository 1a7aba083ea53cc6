import { z } from "zod";
import { AlertsSection, ChannelAlertSettings } from "./alert-settings.ts";
import { BranchGraphSection, checkBranchGraph } from "./branch-graph-section.ts";

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

/**
 * A build product a release publishes: the product of Hydra job `job` with this `subtype` (and a
 * path ending in `suffix`), stored as `file` (default: the product's own file name).
 */
export const ProductSpec = z
  .object({
    job: z.string().min(1),
    subtype: z.string().min(1),
    suffix: z.string().min(1).optional(),
    file: z
      .string()
      .regex(/^[A-Za-z0-9+_=@~-][A-Za-z0-9+_.,=@~-]*$/, "expected a plain file name")
      .optional(),
  })
  .strict();
export type ProductSpec = z.infer<typeof ProductSpec>;

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
    /** Products to publish; default: what mirror-nixos-branch.pl publishes for this kind of channel. */
    products: z.array(ProductSpec).optional(),
    /** Build programs.sqlite into the tarballs (command-not-found); default: NixOS channels. */
    programsIndex: z.boolean().optional(),
    alerts: ChannelAlertSettings.optional(),
  })
  .strict()
  .transform((c) => ({ ...c, branch: c.branch ?? c.name }));
export type ChannelSpec = z.infer<typeof ChannelSpec>;

export const ChannelsFile = z
  .object({
    $comment: z.string().optional(),
    channels: z.array(ChannelSpec).min(1, "expected at least one channel"),
    alerts: AlertsSection.optional(),
    /** Where changes flow (staging → staging-next → master → channels); default: each channel's source branch. */
    graph: BranchGraphSection.optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    if (file.graph) checkBranchGraph(file.graph, file.channels, ctx);
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
    file.alerts?.routes?.forEach((route, i) => {
      route.channels?.forEach((name, j) => {
        if (seen.has(name)) return;
        ctx.addIssue({
          code: "custom",
          path: ["alerts", "routes", i, "channels", j],
          message: `no channel "${name}" in this file`,
        });
      });
    });
  });
export type ChannelsFile = z.infer<typeof ChannelsFile>;
