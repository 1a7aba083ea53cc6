CREATE TABLE "subscriptions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"kind" text NOT NULL,
	"subject" text NOT NULL,
	"branch" text,
	"channels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"reached" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"delivery" text NOT NULL,
	"url" text,
	"secret" text,
	"client" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"end_reason" text
);
--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "subscription_id" bigint;--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_token_hash" ON "subscriptions" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "subscriptions_subject" ON "subscriptions" USING btree ("kind","subject");--> statement-breakpoint
CREATE INDEX "subscriptions_client_created" ON "subscriptions" USING btree ("client","created_at");--> statement-breakpoint
CREATE INDEX "subscriptions_url" ON "subscriptions" USING btree ("url");--> statement-breakpoint
CREATE INDEX "alerts_subscription" ON "alerts" USING btree ("subscription_id","id");