CREATE TABLE "aggregate_constituents" (
	"aggregate_id" bigint NOT NULL,
	"constituent_id" bigint NOT NULL,
	CONSTRAINT "aggregate_constituents_aggregate_id_constituent_id_pk" PRIMARY KEY("aggregate_id","constituent_id")
);
--> statement-breakpoint
CREATE TABLE "branch_heads" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"branch" text NOT NULL,
	"sha" text NOT NULL,
	"observed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "channels" (
	"name" text PRIMARY KEY NOT NULL,
	"current_release_id" integer,
	"frozen" boolean DEFAULT false NOT NULL,
	"frozen_reason" text,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"last_tick_at" timestamp with time zone,
	"last_outcome" jsonb,
	"last_error" jsonb,
	"blocked_since" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "commits" (
	"sha" text PRIMARY KEY NOT NULL,
	"committed_at" timestamp with time zone NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"first_seen_branch" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"channel" text,
	"type" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hydra_builds" (
	"id" bigint PRIMARY KEY NOT NULL,
	"project" text NOT NULL,
	"jobset" text NOT NULL,
	"job" text NOT NULL,
	"system" text NOT NULL,
	"nixname" text,
	"finished" boolean NOT NULL,
	"buildstatus" smallint,
	"eval_ids" jsonb NOT NULL,
	"started_at" timestamp with time zone,
	"stopped_at" timestamp with time zone,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hydra_evals" (
	"id" bigint PRIMARY KEY NOT NULL,
	"project" text NOT NULL,
	"jobset" text NOT NULL,
	"revision" text,
	"evaluated_at" timestamp with time zone,
	"has_new_builds" boolean NOT NULL,
	"inputs" jsonb,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "releases" (
	"id" serial PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"name" text NOT NULL,
	"revision" text NOT NULL,
	"revision_committed_at" timestamp with time zone,
	"eval_id" bigint NOT NULL,
	"build_id" bigint NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"files" jsonb,
	"last_error" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "branch_heads_branch_observed" ON "branch_heads" USING btree ("branch","observed_at");--> statement-breakpoint
CREATE INDEX "events_channel_at" ON "events" USING btree ("channel","at");--> statement-breakpoint
CREATE INDEX "hydra_builds_job" ON "hydra_builds" USING btree ("project","jobset","job");--> statement-breakpoint
CREATE UNIQUE INDEX "releases_channel_name" ON "releases" USING btree ("channel","name");--> statement-breakpoint
CREATE INDEX "releases_channel_state" ON "releases" USING btree ("channel","state");