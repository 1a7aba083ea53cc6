CREATE TABLE "hydra_build_results" (
	"build_id" bigint NOT NULL,
	"stopped_at" timestamp with time zone NOT NULL,
	"buildstatus" smallint NOT NULL,
	"observed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "hydra_build_results_build_id_stopped_at_buildstatus_pk" PRIMARY KEY("build_id","stopped_at","buildstatus")
);
--> statement-breakpoint
-- The builds recorded so far: their current result is the one attempt known of each.
INSERT INTO "hydra_build_results" ("build_id", "stopped_at", "buildstatus", "observed_at")
SELECT "id", coalesce("stopped_at", 'epoch'::timestamptz), "buildstatus", "fetched_at"
FROM "hydra_builds" WHERE "finished" AND "buildstatus" IS NOT NULL
ON CONFLICT DO NOTHING;
