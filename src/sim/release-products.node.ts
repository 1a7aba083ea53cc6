import { brotliCompressSync } from "node:zlib";
import type { ChannelSpec, ProductSpec } from "../config/channels-file.ts";
import { releaseVersion } from "../domain/release-version.ts";
import { channelProducts } from "../publish/channel-products.ts";
import type { FileProductInput } from "./hydra-model-types.ts";
import { makeNixexprsTarballs } from "./nixexprs.node.ts";

// Small, so tests stay fast; the benchmarks make their own large products.
const ISO_BYTES = 96 * 1024;

/**
 * The file products of a channel's Hydra jobs, as the real jobs name them: both tarballs of the
 * expression, brotli JSON (packages, options) and, for non-small NixOS channels, fake ISO images.
 */
export async function simReleaseProducts(
  channel: ChannelSpec,
  releaseName: string,
  nixexprsFiles: Record<string, string>,
): Promise<Record<string, FileProductInput[]>> {
  const tarballs = await makeNixexprsTarballs(releaseName, nixexprsFiles);
  const products: Record<string, FileProductInput[]> = {};
  for (const spec of channelProducts(channel)) {
    const list = products[spec.job] ?? [];
    list.push(productFor(spec, releaseName, tarballs));
    products[spec.job] = list;
  }
  return products;
}

function productFor(
  spec: ProductSpec,
  releaseName: string,
  tarballs: { xz: Uint8Array; zst: Uint8Array },
): FileProductInput {
  if (spec.subtype === "source-dist") {
    const zst = spec.suffix === ".tar.zst" || spec.file?.endsWith(".zst") === true;
    const name = spec.file ?? `${releaseName}.tar.${zst ? "zst" : "xz"}`;
    return {
      name,
      subtype: spec.subtype,
      bytes: zst ? tarballs.zst : tarballs.xz,
      dir: "tarballs",
    };
  }
  if (spec.subtype === "json-br") {
    const json = spec.file?.startsWith("options")
      ? { "services.openssh.enable": { type: "boolean", default: false, release: releaseName } }
      : { version: 2, packages: { hello: { pname: "hello", version: "2.12.1" } }, releaseName };
    const bytes = new Uint8Array(brotliCompressSync(JSON.stringify(json)));
    return { name: spec.file ?? `${spec.job}.json.br`, subtype: spec.subtype, bytes };
  }
  if (spec.subtype === "iso") {
    const [, kind = "minimal", system = "x86_64-linux"] =
      /^nixos\.iso_([a-z0-9]+)\.(.+)$/.exec(spec.job) ?? [];
    const name = spec.file ?? `nixos-${kind}-${releaseVersion(releaseName)}-${system}.iso`;
    return { name, subtype: spec.subtype, bytes: fakeImage(name), dir: "iso" };
  }
  const name = spec.file ?? `${spec.job}.bin`;
  return { name, subtype: spec.subtype, bytes: new TextEncoder().encode(`${name}\n`) };
}

/** Deterministic bytes that differ per image name. */
function fakeImage(name: string): Uint8Array {
  const bytes = new Uint8Array(ISO_BYTES);
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  for (let i = 0; i < bytes.length; i++) {
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) + i;
    bytes[i] = h & 0xff;
  }
  bytes.set(new TextEncoder().encode(`CD001 fake ${name}`), 0x8001);
  return bytes;
}
