import { z } from "zod";

type ListingNode =
  | { type: "regular"; executable?: boolean }
  | { type: "symlink" }
  | { type: "directory"; entries: Record<string, ListingNode> };

const ListingNode: z.ZodType<ListingNode> = z.lazy(() =>
  z.union([
    z.object({ type: z.literal("regular"), executable: z.boolean().optional() }),
    z.object({ type: z.literal("symlink") }),
    z.object({ type: z.literal("directory"), entries: z.record(z.string(), ListingNode) }),
  ]),
);

// Only `bin/` is looked at, so everything else in a (possibly huge) listing stays unchecked.
const Listing = z.object({
  root: z.union([
    z.object({
      type: z.literal("directory"),
      entries: z.object({ bin: z.unknown().optional() }).loose(),
    }),
    z.object({ type: z.enum(["regular", "symlink"]) }),
  ]),
});

/**
 * The commands a store path provides, from its `.ls` NAR listing: every regular executable or
 * symlink directly in `bin/`, as nix-index's nix-channel-index records them (hidden names skipped).
 * Returns null when the JSON is not a listing.
 */
export function programsInListing(json: unknown): string[] | null {
  const listing = Listing.safeParse(json);
  if (!listing.success) return null;
  const root = listing.data.root;
  if (root.type !== "directory" || root.entries.bin === undefined) return [];
  const bin = ListingNode.safeParse(root.entries.bin);
  if (!bin.success) return null;
  if (bin.data.type !== "directory") return [];
  return Object.entries(bin.data.entries)
    .filter(([name, node]) => {
      if (name === "" || name.startsWith(".") || name.includes("/")) return false;
      return node.type === "symlink" || (node.type === "regular" && node.executable === true);
    })
    .map(([name]) => name)
    .sort();
}
