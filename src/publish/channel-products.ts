import type { ChannelSpec, ProductSpec } from "../config/channels-file.ts";

export const TARBALLS = ["nixexprs.tar.xz", "nixexprs.tar.zst"] as const;

const ISO_SYSTEMS = ["x86_64-linux", "aarch64-linux"] as const;
// 25.05+ names; 24.x had plasma6/gnome and 20–23 plasma5 (reference/channel-infra.md §3 step 5).
const ISO_KINDS = ["minimal", "graphical"] as const;

const isNixos = (spec: Pick<ChannelSpec, "name">) => spec.name.startsWith("nixos-");

/** What mirror-nixos-branch.pl downloads for a channel of this kind, unless its entry says otherwise. */
export function channelProducts(
  spec: Pick<ChannelSpec, "name" | "variant" | "productJob" | "products">,
): ProductSpec[] {
  if (spec.products) return spec.products;
  const tarballs: ProductSpec[] = [
    { job: spec.productJob, subtype: "source-dist", suffix: ".tar.xz", file: "nixexprs.tar.xz" },
    { job: spec.productJob, subtype: "source-dist", suffix: ".tar.zst", file: "nixexprs.tar.zst" },
  ];
  if (!isNixos(spec)) {
    return [...tarballs, { job: spec.productJob, subtype: "json-br", file: "packages.json.br" }];
  }
  const products: ProductSpec[] = [
    ...tarballs,
    { job: "nixpkgs.tarball", subtype: "json-br", file: "packages.json.br" },
    { job: "nixos.options", subtype: "json-br", file: "options.json.br" },
  ];
  // Small channels have had no ISOs since 24.11.
  if (spec.variant === "small") return products;
  for (const system of ISO_SYSTEMS) {
    for (const kind of ISO_KINDS) {
      products.push({ job: `nixos.iso_${kind}.${system}`, subtype: "iso", suffix: ".iso" });
    }
  }
  return products;
}

/** NixOS channels get programs.sqlite (command-not-found) inside repacked tarballs. */
export function wantsProgramsIndex(spec: Pick<ChannelSpec, "name" | "programsIndex">): boolean {
  return spec.programsIndex ?? isNixos(spec);
}
