import { buildPgliteTemplate } from "./pglite-template.ts";
import { buildPostgresTemplate } from "./postgres-template.ts";

/** vitest globalSetup: migrates the template database once per run, before any test file starts. */
// biome-ignore lint/style/noDefaultExport: vitest calls a globalSetup module's default export.
export default async function buildTemplates(): Promise<void> {
  const baseUrl = process.env.FLOODGATE_TEST_DATABASE_URL;
  if (baseUrl) await buildPostgresTemplate(baseUrl);
  else await buildPgliteTemplate();
}
