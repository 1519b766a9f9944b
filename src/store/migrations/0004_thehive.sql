CREATE TABLE "artifacts" (
	"id" text PRIMARY KEY NOT NULL,
	"parent_kind" text NOT NULL,
	"parent_id" text NOT NULL,
	"data_type" text NOT NULL,
	"data" text NOT NULL,
	"observable_id" text,
	"message" text,
	"tlp" integer DEFAULT 2 NOT NULL,
	"pap" integer DEFAULT 2 NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"ioc" boolean DEFAULT false NOT NULL,
	"sighted" boolean DEFAULT false NOT NULL,
	"sighted_at" timestamp with time zone,
	"ignore_similarity" boolean DEFAULT false NOT NULL,
	"start_date" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "comments" (
	"id" text PRIMARY KEY NOT NULL,
	"parent_kind" text NOT NULL,
	"parent_id" text NOT NULL,
	"message" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "hive_ids" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"ref" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "procedures" (
	"id" text PRIMARY KEY NOT NULL,
	"parent_kind" text NOT NULL,
	"parent_id" text NOT NULL,
	"pattern_id" text NOT NULL,
	"pattern_name" text,
	"tactic" text NOT NULL,
	"occur_date" timestamp with time zone NOT NULL,
	"description" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "task_logs" (
	"id" text PRIMARY KEY NOT NULL,
	"task_id" text NOT NULL,
	"case_id" text NOT NULL,
	"message" text NOT NULL,
	"date" timestamp with time zone NOT NULL,
	"include_in_timeline" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "thehive_sync" (
	"kind" text NOT NULL,
	"local_id" text NOT NULL,
	"remote_id" text,
	"remote_case_id" text,
	"pushed_hash" text,
	"wanted_hash" text,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"last_error" text,
	"pushed_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "thehive_sync_kind_local_id_pk" PRIMARY KEY("kind","local_id")
);
--> statement-breakpoint
DROP INDEX "alerts_source_ref";--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "org" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "type" text DEFAULT 'vigil' NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "hive_status" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "tlp" integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "pap" integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "tags" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "flag" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "custom_fields" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "extra" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "created_by" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "updated_by" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "org" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "description" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "tlp" integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "pap" integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "flag" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "assignee" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "start_date" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "end_date" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "in_progress_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "impact_status" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "custom_fields" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "template" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "created_by" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "updated_by" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "flag" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "order" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "start_date" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "end_date" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "due_date" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "assignee" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "mandatory" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "updated_by" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "updated_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "artifacts_parent_data" ON "artifacts" USING btree ("parent_kind","parent_id","data_type","data");--> statement-breakpoint
CREATE INDEX "artifacts_parent" ON "artifacts" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "artifacts_observable" ON "artifacts" USING btree ("observable_id");--> statement-breakpoint
CREATE INDEX "comments_parent" ON "comments" USING btree ("parent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "hive_ids_kind_ref" ON "hive_ids" USING btree ("kind","ref");--> statement-breakpoint
CREATE UNIQUE INDEX "procedures_parent_pattern" ON "procedures" USING btree ("parent_kind","parent_id","pattern_id","tactic");--> statement-breakpoint
CREATE INDEX "procedures_parent" ON "procedures" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "task_logs_task" ON "task_logs" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "thehive_sync_due" ON "thehive_sync" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_org_type_source_ref" ON "alerts" USING btree ("org","type","source","source_ref");--> statement-breakpoint
CREATE INDEX "alerts_source_ref_only" ON "alerts" USING btree ("source_ref");--> statement-breakpoint
CREATE INDEX "cases_org" ON "cases" USING btree ("org");