/** A file tree as a NAR holds it (nix's archive format: regular files, symlinks, directories). */
export type NarTree =
  | { type: "regular"; contents: Uint8Array; executable?: boolean }
  | { type: "symlink"; target: string }
  | { type: "directory"; entries: Record<string, NarTree> };

const encoder = new TextEncoder();

/** Serialises `tree` exactly as `nix-store --dump` does: tokens padded to 8 bytes, names sorted. */
export function writeNar(tree: NarTree): Uint8Array {
  const parts: Uint8Array[] = [];
  const u64 = (n: number) => {
    const b = new Uint8Array(8);
    const view = new DataView(b.buffer);
    view.setUint32(0, n % 2 ** 32, true);
    view.setUint32(4, Math.floor(n / 2 ** 32), true);
    parts.push(b);
  };
  const bytes = (data: Uint8Array) => {
    u64(data.byteLength);
    parts.push(data);
    const pad = (8 - (data.byteLength % 8)) % 8;
    if (pad > 0) parts.push(new Uint8Array(pad));
  };
  const str = (s: string) => bytes(encoder.encode(s));
  const node = (t: NarTree) => {
    str("(");
    str("type");
    if (t.type === "regular") {
      str("regular");
      if (t.executable) {
        str("executable");
        str("");
      }
      str("contents");
      bytes(t.contents);
    } else if (t.type === "symlink") {
      str("symlink");
      str("target");
      str(t.target);
    } else {
      str("directory");
      for (const name of Object.keys(t.entries).sort()) {
        const child = t.entries[name];
        if (!child) continue;
        str("entry");
        str("(");
        str("name");
        str(name);
        str("node");
        node(child);
        str(")");
      }
    }
    str(")");
  };
  str("nix-archive-1");
  node(tree);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

type ListingNode =
  | { type: "regular"; size: number; executable?: true }
  | { type: "symlink"; target: string }
  | { type: "directory"; entries: Record<string, ListingNode> };

/** The `.ls` listing a binary cache stores beside a NAR (`{"version":1,"root":…}`). */
export function narListing(tree: NarTree): { version: 1; root: ListingNode } {
  const toListing = (t: NarTree): ListingNode => {
    if (t.type === "regular") {
      return t.executable
        ? { type: "regular", size: t.contents.byteLength, executable: true }
        : { type: "regular", size: t.contents.byteLength };
    }
    if (t.type === "symlink") return { type: "symlink", target: t.target };
    const entries: Record<string, ListingNode> = {};
    for (const [name, child] of Object.entries(t.entries)) entries[name] = toListing(child);
    return { type: "directory", entries };
  };
  return { version: 1, root: toListing(tree) };
}
