import { describe, expect, it } from "vitest";
import defaults from "./channels.default.json" with { type: "json" };
import { parseConfig } from "./config.ts";

const bundled = { raw: defaults, source: "bundled" };

describe("parseConfig", () => {
  it("defaults to the real NixOS upstreams, embedded storage and the bundled channels", () => {
    const config = parseConfig({}, bundled);
    expect(config.hydraUrl).toBe("https://hydra.nixos.org");
    expect(config.binaryCacheUrl).toBe("https://cache.nixos.org");
    expect(config.githubApiUrl).toBe("https://api.github.com");
    expect(config.repo).toBe("NixOS/nixpkgs");
    expect(config.databaseUrl).toBeUndefined();
    expect(config.storage).toEqual({ kind: "file", dir: "./.floodgate/releases" });
    expect(config.publicUrl).toBe("http://localhost:3000");
    expect(config.scheduler).toBe(true);
    const unstable = config.channels.find((c) => c.name === "nixos-unstable");
    expect(unstable?.job).toEqual({ project: "nixos", jobset: "unstable", job: "tested" });
    expect(unstable?.branch).toBe("nixos-unstable");
    expect(config.channels.find((c) => c.name === "nixpkgs-unstable")?.job.jobset).toBe("unstable");
  });

  it("treats empty variables as unset and parses s3 storage", () => {
    const config = parseConfig(
      { DATABASE_URL: "", FLOODGATE_STORAGE: "s3://nix-releases/floodgate/", PORT: "8080" },
      bundled,
    );
    expect(config.databaseUrl).toBeUndefined();
    expect(config.storage).toEqual({ kind: "s3", bucket: "nix-releases", prefix: "floodgate" });
    expect(config.publicUrl).toBe("http://localhost:8080");
  });

  it("refuses ports and request rates that only look like numbers", () => {
    for (const port of ["1e3", "0x50", "80.5", " 80", "-1", "65536"]) {
      expect(() => parseConfig({ PORT: port }, bundled), port).toThrow(
        /^PORT: expected a TCP port/,
      );
    }
    for (const rps of ["1e-9", "0", "0x10", "0.001", "fast"]) {
      expect(() => parseConfig({ FLOODGATE_HYDRA_RPS: rps }, bundled), rps).toThrow(
        /^FLOODGATE_HYDRA_RPS: expected requests per second/,
      );
    }
    expect(parseConfig({ PORT: "0", FLOODGATE_HYDRA_RPS: "0.5" }, bundled)).toMatchObject({
      port: 0,
      hydraRequestsPerSecond: 0.5,
    });
  });

  it("refuses a bad value, naming the variable and what was expected", () => {
    expect(() => parseConfig({ FLOODGATE_HYDRA_URL: "hydra.nixos.org" }, bundled)).toThrow(
      /FLOODGATE_HYDRA_URL: expected an http\(s\) URL/,
    );
    expect(() => parseConfig({ FLOODGATE_SCHEDULER: "yes" }, bundled)).toThrow(
      /FLOODGATE_SCHEDULER: expected "on" or "off"/,
    );
    expect(() => parseConfig({ DATABASE_URL: "mysql://x" }, bundled)).toThrow(/DATABASE_URL/);
  });

  it("refuses a bad channels file, naming the file, the key and what was expected", () => {
    const raw = {
      channels: [
        {
          name: "nixos-unstable",
          job: "nixos-unstable-tested",
          status: "rolling",
          sourceBranch: "master",
          productJob: "nixos.channel",
        },
      ],
    };
    expect(() => parseConfig({}, { raw, source: "/etc/channels.json" })).toThrow(
      /channels file \/etc\/channels.json, key channels.0.job: expected "<project>\/<jobset>\/<job>"/,
    );
    const dup = { channels: [defaults.channels[0], defaults.channels[0]] };
    expect(() => parseConfig({}, { raw: dup, source: "x.json" })).toThrow(/duplicate channel/);
  });

  it("reads S3 settings and the retention count, with defaults", () => {
    const defaults = parseConfig({}, bundled);
    expect(defaults.keepReleases).toBe(30);
    expect(defaults.s3).toEqual({ region: "us-east-1" });
    const r2 = parseConfig(
      {
        FLOODGATE_STORAGE: "s3://releases",
        S3_ENDPOINT: "https://abc.r2.cloudflarestorage.com",
        AWS_ACCESS_KEY_ID: "id",
        AWS_SECRET_ACCESS_KEY: "secret",
        S3_FORCE_PATH_STYLE: "false",
        FLOODGATE_KEEP_RELEASES: "all",
      },
      bundled,
    );
    expect(r2.s3).toEqual({
      endpoint: "https://abc.r2.cloudflarestorage.com",
      region: "auto",
      accessKeyId: "id",
      secretAccessKey: "secret",
      forcePathStyle: false,
    });
    expect(r2.keepReleases).toBeNull();
    expect(parseConfig({ FLOODGATE_KEEP_RELEASES: "5" }, bundled).keepReleases).toBe(5);
    expect(() => parseConfig({ FLOODGATE_KEEP_RELEASES: "0" }, bundled)).toThrow(
      /FLOODGATE_KEEP_RELEASES: expected a whole number ≥ 1 or "all"/,
    );
  });

  it("reads the lookups' limits as whole numbers, with defaults", () => {
    expect(parseConfig({}, bundled).lookups).toEqual({
      githubPerHour: 1500,
      githubReserve: 1000,
      clientPerMinute: 30,
      clientIpHeader: undefined,
      negativeTtlSeconds: 600,
      cacheSize: 10_000,
    });
    const set = parseConfig(
      {
        FLOODGATE_LOOKUP_GITHUB_BUDGET: "200",
        FLOODGATE_LOOKUP_CLIENT_IP_HEADER: "X-Forwarded-For",
        FLOODGATE_LOOKUP_CLIENT_PER_MINUTE: "0",
      },
      bundled,
    ).lookups;
    expect(set).toMatchObject({
      githubPerHour: 200,
      clientIpHeader: "x-forwarded-for",
      clientPerMinute: 0,
    });
    expect(() => parseConfig({ FLOODGATE_LOOKUP_GITHUB_BUDGET: "1e3" }, bundled)).toThrow(
      /FLOODGATE_LOOKUP_GITHUB_BUDGET: expected GitHub requests per hour \(a whole number\)/,
    );
    expect(() => parseConfig({ FLOODGATE_LOOKUP_CLIENT_IP_HEADER: "x y" }, bundled)).toThrow(
      /FLOODGATE_LOOKUP_CLIENT_IP_HEADER: expected an HTTP header name/,
    );
  });

  it("reads the download deadline in whole seconds, at least one, default 30 minutes", () => {
    expect(parseConfig({}, bundled).downloadDeadlineMs).toBe(1_800_000);
    const set = parseConfig({ FLOODGATE_DOWNLOAD_DEADLINE_SECONDS: "90" }, bundled);
    expect(set.downloadDeadlineMs).toBe(90_000);
    for (const bad of ["0", "1e3", "2.5", "-5"]) {
      expect(() => parseConfig({ FLOODGATE_DOWNLOAD_DEADLINE_SECONDS: bad }, bundled), bad).toThrow(
        /^FLOODGATE_DOWNLOAD_DEADLINE_SECONDS: expected seconds/,
      );
    }
  });
});

describe("the channels file's alerts section", () => {
  const channel = defaults.channels[0];
  const file = (alerts: unknown, own: Record<string, unknown> = {}) => ({
    raw: { channels: [{ ...channel, ...own }], alerts },
    source: "test.json",
  });

  it("defaults the thresholds and takes per-channel stuck hours", () => {
    const config = parseConfig({}, file(undefined, { alerts: { stuckAfterHours: 48 } }));
    expect(config.alerts).toMatchObject({
      cooldownHours: 12,
      pipelineFailedAfter: 3,
      digestEveryHours: 24,
    });
    expect(config.channels[0]?.alerts?.stuckAfterHours).toBe(48);
  });

  it("refuses a route to an unknown channel or to a target without its URL", () => {
    const route = (r: unknown) => () => parseConfig({}, file({ routes: [r] }));
    expect(route({ channels: ["nixos-nope"], targets: ["slack"] })).toThrow(
      /alerts\.routes\.0\.channels\.0: no channel "nixos-nope"/,
    );
    expect(route({ targets: ["webhook"] })).toThrow(/"webhook" needs FLOODGATE_WEBHOOK_URL/);
    expect(() =>
      parseConfig({ FLOODGATE_WEBHOOK_SECRET: "s3cret-s3cret" }, file(undefined)),
    ).toThrow(/FLOODGATE_WEBHOOK_SECRET/);
  });
});
