const TEXT_FILES = new Set(["src-url", "binary-cache-url", "git-revision"]);

/** Content type of a release file, by name, as mirror-nixos-branch.pl uploads it (§3 step 7). */
export function contentTypeFor(key: string): string {
  const name = key.slice(key.lastIndexOf("/") + 1);
  if (name.endsWith(".sha256") || TEXT_FILES.has(name)) return "text/plain; charset=utf-8";
  if (name === "index.html") return "text/html; charset=utf-8";
  if (name.endsWith(".json.br")) return "application/json";
  return "application/octet-stream";
}

/** `*.json.br` files are served as brotli-encoded JSON, as the real bucket does. */
export function contentEncodingFor(key: string): string | undefined {
  return key.endsWith(".json.br") ? "br" : undefined;
}
