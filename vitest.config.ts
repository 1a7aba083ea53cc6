import { defineConfig } from "vitest/config";

// biome-ignore lint/style/noDefaultExport: vitest loads the default export.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
