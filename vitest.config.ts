import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// biome-ignore lint/style/noDefaultExport: vitest loads the default export.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    // vitest runs cores − 1 files at once: one on a 2-core machine. The integration tests spend
    // most of their time waiting on floodgate processes, loopback servers and nix, so two files
    // side by side took 356 s where one at a time took 788–952 s for the same eight files.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Tests publishing several NixOS releases (nix-env, repack) need the margin when two run at once.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
