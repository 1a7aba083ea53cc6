CREATE TABLE "upstream_pace" (
	"name" text PRIMARY KEY NOT NULL,
	"next_start_at" timestamp with time zone NOT NULL
);
