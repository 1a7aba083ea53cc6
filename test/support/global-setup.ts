import { buildCli } from "../../bin/build-cli.node.ts";
import { buildWeb } from "../../web/build.node.ts";
import { buildPgliteTemplate } from "./pglite-template.ts";
import { buildPostgresTemplate } from "./postgres-template.ts";

/**
 * vitest globalSetup, once per run before any test file starts: builds the front end (pages and
 * the Worker bundle use it) and the CLI bundle (the tests' floodgate processes start from it), and
 * migrates the template database.
 */
// biome-ignore lint/style/noDefaultExport: vitest calls a globalSetup module's default export.
export default async function buildTemplates(): Promise<void> {
  await Promise.all([buildWeb(), buildCli()]);
  const baseUrl = process.env.FLOODGATE_TEST_DATABASE_URL;
  if (baseUrl) await buildPostgresTemplate(baseUrl);
  else await buildPgliteTemplate();
}
