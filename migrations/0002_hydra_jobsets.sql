CREATE TABLE "hydra_jobsets" (
	"project" text NOT NULL,
	"jobset" text NOT NULL,
	"scheduled" integer NOT NULL,
	"total" integer,
	"last_checked_at" timestamp with time zone,
	"fetched_at" timestamp with time zone NOT NULL,
	CONSTRAINT "hydra_jobsets_project_jobset_pk" PRIMARY KEY("project","jobset")
);
