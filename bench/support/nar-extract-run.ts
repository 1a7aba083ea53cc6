// One NAR extraction as floodgate does it, in its own process so its peak RSS can be measured:
// fetch → xz -d (CLI) → streaming NAR parser → sha256. Prints the hash.
import { createHash } from "node:crypto";
import { createNodeCodec } from "../../src/publish/codec.node.ts";
import { extractNarFile } from "../../src/publish/nar-reader.ts";

const [url = "", inside = ""] = process.argv.slice(2);
const res = await fetch(url);
if (!res.body) throw new Error(`no body from ${url}`);
const file = extractNarFile(createNodeCodec().decompress("xz", res.body), inside);
const hash = createHash("sha256");
const reader = file.getReader();
for (;;) {
  const { done, value } = await reader.read();
  if (done) break;
  hash.update(value);
}
console.log(hash.digest("hex"));
