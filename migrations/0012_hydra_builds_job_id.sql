DROP INDEX "hydra_builds_job";--> statement-breakpoint
CREATE INDEX "hydra_builds_job" ON "hydra_builds" USING btree ("project","jobset","job","id");