import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Demo, runDemo } from "../../src/entry/demo.node.ts";
import { demoAlreadyTested } from "../support/demo-suite.ts";

const CHROMIUM = "/usr/bin/chromium";
// CI installs Debian's chromium and sets FLOODGATE_REQUIRE_BROWSER=1, so there this cannot skip.
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.FLOODGATE_REQUIRE_BROWSER === "1") {
  throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
}

describe.skipIf(!haveChromium || demoAlreadyTested)("the status pages in a real browser", () => {
  let demo: Demo;
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "floodgate-browser-"));
    demo = await runDemo({ port: 0, dataDir: join(dir, "data"), print: () => {} });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-gpu",
        "--disable-component-update",
        "--no-first-run",
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows every channel's state, follows a channel, and answers 'has my commit landed?'", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${demo.url}/`);
    const row = page.locator('tr[data-channel="nixos-unstable"]');
    await expect(row.locator(".state").textContent()).resolves.toBe("advanced");
    await expect(row.textContent()).resolves.toMatch(
      /nixos-unstable advanced to nixos-26\.11pre\d+\./,
    );

    await row.locator("a", { hasText: "nixos-unstable" }).first().click();
    await page.waitForURL(`${demo.url}/channels/nixos-unstable`);
    // The job strip: one cell per gate build of the scenario's evals, all passed in the end.
    const cells = page.locator("p.strip a");
    expect(await cells.count()).toBeGreaterThanOrEqual(5);
    const passColor = await cells.first().evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(passColor).toBe("rgb(181, 255, 181)");
    const shot = await page.screenshot({ fullPage: true });
    writeFileSync(join(dir, "channel.png"), shot);
    expect(shot.byteLength).toBeGreaterThan(10_000);

    const api = (await (await fetch(`${demo.url}/api/v1/channels/nixos-unstable`)).json()) as {
      channel: { release: { revision: string } };
    };
    const revision = api.channel.release.revision;
    await page.goto(`${demo.url}/`);
    await page.fill('input[name="q"]', revision.slice(0, 12));
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/commits\//);
    await expect(page.locator("body").textContent()).resolves.toContain("landed");
    expect(errors).toEqual([]);
  });
});
