import { fakeStoreHash } from "./hydra-store.ts";
import type { NarTree } from "./nar-writer.ts";

/** How the fake cache stores an output's `.ls`: as cache.nixos.org does today, or not at all. */
export type ListingKind = "zstd" | "br" | "missing";

export interface SimPackage {
  attrPath: string;
  name: string;
  /** Output name → its `bin/` (program → executable file, or a symlink's target). */
  outputs: Record<string, Record<string, { executable: boolean } | { target: string }>>;
  listing: ListingKind;
  /** A new store path in every release (the others stay, so the index reuses their listings). */
  changesEachRelease?: boolean;
}

export interface SimOutput {
  attrPath: string;
  system: string;
  output: string;
  storePath: string;
  tree: NarTree;
  listing: ListingKind;
}

export const SIM_SYSTEMS = ["x86_64-linux", "aarch64-linux"] as const;

const exe = { executable: true };
/** A few packages with programs, as a NixOS channel's expression lists them. */
export const SIM_PACKAGES: SimPackage[] = [
  { attrPath: "hello", name: "hello-2.12.1", outputs: { out: { hello: exe } }, listing: "zstd" },
  {
    attrPath: "coreutils",
    name: "coreutils-9.5",
    // `.hidden` and a non-executable file are not commands; `info` has no bin/ at all.
    outputs: {
      out: { ls: exe, cat: exe, ".hidden": exe, README: { executable: false } },
      info: {},
    },
    listing: "br",
  },
  {
    attrPath: "git",
    name: "git-2.47.1",
    outputs: { out: { git: exe, "git-upload-pack": { target: "git" } } },
    listing: "zstd",
    changesEachRelease: true,
  },
  {
    attrPath: "python3Packages.black",
    name: "python3.13-black-24.10.0",
    outputs: { out: { black: exe } },
    listing: "br",
  },
  // Built, but the cache never got its listing: the index skips it and says so.
  {
    attrPath: "ghostty",
    name: "ghostty-1.1.0",
    outputs: { out: { ghostty: exe } },
    listing: "missing",
  },
];

function binTree(bin: SimPackage["outputs"][string]): NarTree {
  const entries: Record<string, NarTree> = {};
  for (const [name, file] of Object.entries(bin)) {
    entries[name] =
      "target" in file
        ? { type: "symlink", target: file.target }
        : {
            type: "regular",
            executable: file.executable,
            contents: new TextEncoder().encode(`#!${name}\n`),
          };
  }
  const share: NarTree = {
    type: "directory",
    entries: { doc: { type: "directory", entries: {} } },
  };
  return Object.keys(entries).length > 0
    ? { type: "directory", entries: { bin: { type: "directory", entries }, share } }
    : { type: "directory", entries: { share } };
}

/** Every output of every package on every system, with store paths fixed by `revision`. */
export function simOutputs(revision: string): SimOutput[] {
  return SIM_SYSTEMS.flatMap((system) =>
    SIM_PACKAGES.flatMap((pkg) =>
      Object.entries(pkg.outputs).map(([output, bin]) => {
        const seed = `${system}:${pkg.name}:${output}:${pkg.changesEachRelease ? revision : ""}`;
        const suffix = output === "out" ? "" : `-${output}`;
        return {
          attrPath: pkg.attrPath,
          system,
          output,
          storePath: `/nix/store/${fakeStoreHash(seed)}-${pkg.name}${suffix}`,
          tree: binTree(bin),
          listing: pkg.listing,
        };
      }),
    ),
  );
}

/**
 * A `default.nix` that nix-env evaluates (`-qaP --out-path`, `--argstr system …`) to these
 * packages: attribute sets typed as derivations with the outputs' store paths, so evaluation
 * needs no builder, store or network. `greeting` stays a plain string for other tests.
 */
export function simDefaultNix(greeting: string, outputs: readonly SimOutput[]): string {
  const bySystem = new Map<string, Map<string, SimOutput[]>>();
  for (const o of outputs) {
    const packages = bySystem.get(o.system) ?? new Map<string, SimOutput[]>();
    packages.set(o.attrPath, [...(packages.get(o.attrPath) ?? []), o]);
    bySystem.set(o.system, packages);
  }
  const str = (s: string) => JSON.stringify(s);
  const table = [...bySystem].map(([system, packages]) => {
    const entries = [...packages].map(([attr, outs]) => {
      const outList = outs.map((o) => `{ name = ${str(o.output)}; path = ${str(o.storePath)}; }`);
      return `      ${str(attr)} = [ ${outList.join(" ")} ];`;
    });
    return `    ${str(system)} = {\n${entries.join("\n")}\n    };`;
  });
  const names = Object.fromEntries(SIM_PACKAGES.map((p) => [p.attrPath, p.name]));
  const attrs = [...new Set(outputs.map((o) => o.attrPath))].map((attr) => {
    const value = `pkg ${str(attr)} ${str(names[attr] ?? attr)}`;
    const [scope, leaf] = attr.split(".");
    return leaf
      ? `  ${scope} = { recurseForDerivations = true; ${leaf} = ${value}; };`
      : `  ${attr} = ${value};`;
  });
  return `{ system ? builtins.currentSystem, config ? { }, overlays ? [ ] }:
let
  outputs = {
${table.join("\n")}
  };
  pkg = attr: name:
    let
      outs = outputs.\${system}.\${attr};
      first = builtins.head outs;
      self = { type = "derivation"; inherit name system; outputs = map (o: o.name) outs;
        outputName = first.name; outPath = first.path; }
        // builtins.listToAttrs (map (o: { name = o.name;
          value = self // { outputName = o.name; outPath = o.path; }; }) outs);
    in self;
in {
  greeting = ${str(greeting)};
${attrs.join("\n")}
}
`;
}
