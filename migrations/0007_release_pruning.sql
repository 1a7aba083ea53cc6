ALTER TABLE "releases" ADD COLUMN "prune_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "releases" ADD COLUMN "pruned_at" timestamp with time zone;