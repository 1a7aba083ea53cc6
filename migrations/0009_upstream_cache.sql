CREATE TABLE "upstream_cache" (
	"key" text PRIMARY KEY NOT NULL,
	"etag" text,
	"body" jsonb NOT NULL,
	"stored_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "upstream_cache_used_at" ON "upstream_cache" USING btree ("used_at");