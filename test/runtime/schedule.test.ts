import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import defaults from "../../src/config/channels.default.json" with { type: "json" };
import { parseConfig } from "../../src/config/config.ts";
import { workerCrons } from "../../src/jobs/schedule.ts";

/** `[triggers] crons = [...]` from wrangler.toml (no TOML parser in the tree; the array is JSON-shaped). */
function wranglerCrons(): unknown {
  const toml = readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8");
  const section = /^\[triggers\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(toml)?.[1] ?? "";
  const array = /^crons\s*=\s*(\[[^\]]*\])/m.exec(section)?.[1];
  if (!array) throw new Error("wrangler.toml has no [triggers] crons");
  return JSON.parse(array.replace(/#.*$/gm, "").replace(/,\s*\]/, "]"));
}

const channels = (raw: unknown) => parseConfig({}, { raw, source: "test" }).channels;

describe("the Worker's cron triggers", () => {
  it("wrangler.toml lists exactly the crons the code schedules", () => {
    expect(wranglerCrons()).toEqual([...workerCrons]);
  });

  it("fire for every channel in the bundled channels file", () => {
    for (const c of channels(defaults)) expect(workerCrons, c.name).toContain(c.schedule);
  });
});
