/**
 * The demo always runs on an embedded PGlite of its own (it is the README's offline first run),
 * whatever FLOODGATE_TEST_DATABASE_URL says. The test files built on it would test the same thing
 * again in the suite's PostgreSQL run, so they run in the PGlite run only.
 */
export const demoAlreadyTested = Boolean(process.env.FLOODGATE_TEST_DATABASE_URL);
