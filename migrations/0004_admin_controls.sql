CREATE TABLE "accepted_failures" (
	"id" serial PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"eval_id" bigint NOT NULL,
	"constituents" jsonb NOT NULL,
	"reason" text NOT NULL,
	"actor" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"action" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"reason" text,
	"details" jsonb NOT NULL,
	"actor" text NOT NULL,
	"via" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "pinned_release_id" integer;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "pinned_reason" text;--> statement-breakpoint
CREATE INDEX "accepted_failures_channel_eval" ON "accepted_failures" USING btree ("channel","eval_id");--> statement-breakpoint
CREATE INDEX "audit_log_channel_at" ON "audit_log" USING btree ("channel","at");