import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Demo, runDemo } from "../../src/entry/demo.node.ts";
import { ageClass } from "../../src/status/format-age.ts";
import { demoAlreadyTested } from "../support/demo-suite.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const runsHere = haveChromium && !demoAlreadyTested;
if (!haveChromium && process.env.FLOODGATE_REQUIRE_BROWSER === "1") {
  throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
}
/** Screenshots for people to look at (gitignored). */
const ARTIFACTS = join(import.meta.dirname, "../../test-artifacts");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface ChannelJson {
  name: string;
  status: string;
  updateAgeSeconds: number | null;
}

describe.skipIf(!runsHere)("the lag status pages in a real browser", () => {
  let demo: Demo;
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), "floodgate-lagpage-"));
    demo = await runDemo({ port: 0, dataDir: join(dir, "data"), print: () => {} });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--no-first-run"],
    });
  }, 420_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A page that records CSP violations and script errors from its first byte. */
  async function open(path: string, opts: { dark?: boolean; width?: number } = {}) {
    const context = await browser.newContext({
      colorScheme: opts.dark ? "dark" : "light",
      viewport: { width: opts.width ?? 1280, height: 900 },
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`${demo.url}${path}`, { waitUntil: "networkidle" });
    return { page, problems, close: () => context.close() };
  }

  async function axeViolations(page: Page): Promise<string[]> {
    // Through the debugger, not a <script>: the page's CSP rightly refuses inline scripts.
    await page.evaluate(AXE);
    const result = await page.evaluate(async () => {
      // safe because the script tag above defined window.axe
      const axe = (
        window as unknown as {
          axe: {
            run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }>;
          };
        }
      ).axe;
      return (await axe.run()).violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.length,
      }));
    });
    return result
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.nodes})`);
  }

  /** Pixels a canvas has drawn (not transparent). */
  const drawnPixels = (page: Page, selector: string) =>
    page.$$eval(selector, (canvases) =>
      (canvases as HTMLCanvasElement[]).map((c) => {
        const data = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? [];
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
        return n;
      }),
    );

  it("lists every channel on the overview in its age colour, with sparklines drawn and no CSP violation", async () => {
    const api = (await (await fetch(`${demo.url}/api/v1/channels`)).json()) as {
      channels: ChannelJson[];
    };
    const { page, problems, close } = await open("/");
    for (const ch of api.channels) {
      const row = page.locator(`tr[data-channel="${ch.name}"]`);
      expect(await row.count()).toBe(1);
      const cls = (await row.getAttribute("class")) ?? "";
      if (ch.status === "unmaintained") expect(cls).not.toMatch(/age-/);
      else expect(cls).toContain(`age-${ageClass(ch.updateAgeSeconds)}`);
    }
    const fresh = page.locator("tr.age-fresh td.fresh").first();
    expect(await fresh.evaluate((el) => getComputedStyle(el).color)).toBe("rgb(26, 127, 55)");
    // The demo files a channel-blocker issue: the banner is styled, not a bare list.
    const banner = page.locator("section.blockers");
    expect(await banner.locator("li a").first().textContent()).toContain("#4711");
    expect(await banner.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
      "rgb(255, 235, 233)",
    );
    const sparks = await drawnPixels(page, "canvas[data-spark]");
    expect(sparks.length).toBeGreaterThan(0);
    for (const n of sparks) expect(n).toBeGreaterThan(20);
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await close();
  });

  it("draws every chart on a channel page, with a text alternative for each", async () => {
    const { page, problems, close } = await open("/channels/nixos-unstable");
    await page.waitForSelector("canvas[data-chart][data-drawn]");
    const charts = await page.$$eval("canvas[data-chart]", (cs) =>
      cs.map((c) => c.getAttribute("data-chart")),
    );
    expect(charts).toEqual(["revision-age", "behind", "latency", "advances"]);
    await page.waitForFunction(
      () => document.querySelectorAll("canvas[data-chart][data-drawn]").length === 4,
    );
    for (const n of await drawnPixels(page, "canvas[data-chart]")) expect(n).toBeGreaterThan(100);
    for (const kind of charts) {
      const figure = page.locator(`#chart-${kind}`);
      expect(await figure.locator("canvas").getAttribute("aria-label")).toMatch(/\w+: .+/);
      expect(await figure.locator("details table tbody tr").count()).toBeGreaterThan(0);
    }
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await close();
  });

  it("passes axe on a landing page", async () => {
    const api = (await (await fetch(`${demo.url}/api/v1/channels/nixos-unstable`)).json()) as {
      channel: { release: { revision: string } };
    };
    const { page, problems, close } = await open(`/commits/${api.channel.release.revision}`);
    expect(await page.locator("body").textContent()).toContain("landed");
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await close();
  });

  it.each([
    ["overview-dark-360", "/", { dark: true, width: 360 }],
    ["channel-dark-360", "/channels/nixos-unstable", { dark: true, width: 360 }],
    ["overview-light", "/", {}],
    ["channel-light", "/channels/nixos-unstable", {}],
  ] as const)("%s: no horizontal scroll, screenshot saved", async (name, path, opts) => {
    const { page, problems, close } = await open(path, opts);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    if ("dark" in opts) {
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).toBe("rgb(13, 17, 23)");
      const banner = page.locator("section.blockers");
      expect(await banner.count()).toBe(1);
      expect(await banner.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
        "rgb(60, 22, 24)",
      );
    }
    const shot = await page.screenshot({ fullPage: true });
    writeFileSync(join(ARTIFACTS, `${name}.png`), shot);
    expect(shot.byteLength).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
    await close();
  });
});
