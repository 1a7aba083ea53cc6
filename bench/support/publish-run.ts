// One publish as floodgate does it, in its own process so its peak RSS can be measured:
// fetch → sha256 checked while streaming → the file store (temp file, fsync, rename). Prints the hash.
import { createFsStore } from "../../src/publish/fs-store.node.ts";

const [url = "", storeDir = "", sha256 = ""] = process.argv.slice(2);
const res = await fetch(url);
if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
const stored = await createFsStore(storeDir).put("bench/artifact", res.body, {
  expectedSha256: sha256,
});
console.log(stored.sha256);
