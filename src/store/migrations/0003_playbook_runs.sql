CREATE TABLE "approvals" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"step_id" text NOT NULL,
	"case_id" text NOT NULL,
	"status" text NOT NULL,
	"message" text DEFAULT '' NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "playbook_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"playbook" text NOT NULL,
	"case_id" text NOT NULL,
	"trigger" text NOT NULL,
	"status" text NOT NULL,
	"dry_run" boolean DEFAULT true NOT NULL,
	"steps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"state" jsonb,
	"error" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"deadline_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "run_id" text;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "undone_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "approvals_run" ON "approvals" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "approvals_status" ON "approvals" USING btree ("status");--> statement-breakpoint
CREATE INDEX "playbook_runs_case" ON "playbook_runs" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "playbook_runs_status" ON "playbook_runs" USING btree ("status");--> statement-breakpoint
CREATE INDEX "actions_expires" ON "actions" USING btree ("expires_at");