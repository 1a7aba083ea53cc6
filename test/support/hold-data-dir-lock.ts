// Child process for the lock tests: tries once to own the lock at argv[2]; an owner holds it until
// its stdin closes, so that every contender has tried while it still holds.
import { acquireDataDirLock } from "../../src/db/data-dir-lock.node.ts";

const [path = ""] = process.argv.slice(2);
try {
  const lock = await acquireDataDirLock(path, { command: "test", waitMs: 0 });
  process.stdout.write("acquired\n");
  process.stdin.resume();
  await new Promise((r) => process.stdin.once("end", r));
  lock.release();
} catch {
  process.stdout.write("busy\n");
}
