CREATE TABLE "commit_pulls" (
	"sha" text NOT NULL,
	"number" integer NOT NULL,
	CONSTRAINT "commit_pulls_sha_number_pk" PRIMARY KEY("sha","number")
);
--> statement-breakpoint
CREATE TABLE "pull_requests" (
	"number" integer PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"state" text NOT NULL,
	"base_ref" text NOT NULL,
	"merge_commit_sha" text,
	"merged_at" timestamp with time zone,
	"url" text NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "release_commits" (
	"release_id" integer NOT NULL,
	"sha" text NOT NULL,
	CONSTRAINT "release_commits_release_id_sha_pk" PRIMARY KEY("release_id","sha")
);
--> statement-breakpoint
CREATE INDEX "commit_pulls_number" ON "commit_pulls" USING btree ("number");--> statement-breakpoint
CREATE INDEX "release_commits_sha" ON "release_commits" USING btree ("sha");