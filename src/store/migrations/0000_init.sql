CREATE TABLE "actions" (
	"id" text PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"playbook" text NOT NULL,
	"action" text NOT NULL,
	"status" text NOT NULL,
	"target" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"artifact" text,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"title" text NOT NULL,
	"rule_id" text NOT NULL,
	"rule_level" integer NOT NULL,
	"host" text NOT NULL,
	"severity" text NOT NULL,
	"score" real NOT NULL,
	"case_id" text,
	"data" jsonb NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"kind" text NOT NULL,
	"case_id" text,
	"subject" text DEFAULT '' NOT NULL,
	"message" text NOT NULL,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "case_keys" (
	"key" text NOT NULL,
	"case_id" text NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	CONSTRAINT "case_keys_key_case_id_pk" PRIMARY KEY("key","case_id")
);
--> statement-breakpoint
CREATE TABLE "case_observables" (
	"case_id" text NOT NULL,
	"observable_id" text NOT NULL,
	"role" text,
	CONSTRAINT "case_observables_case_id_observable_id_pk" PRIMARY KEY("case_id","observable_id")
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" text PRIMARY KEY NOT NULL,
	"number" serial NOT NULL,
	"title" text NOT NULL,
	"status" text DEFAULT 'New' NOT NULL,
	"severity" text NOT NULL,
	"score" real NOT NULL,
	"summary" text DEFAULT '' NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"assessment" jsonb NOT NULL,
	"alert_count" integer DEFAULT 0 NOT NULL,
	"first_alert_at" timestamp with time zone NOT NULL,
	"last_alert_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feeds" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"format" text NOT NULL,
	"source" text NOT NULL,
	"content_hash" text NOT NULL,
	"indicator_count" integer NOT NULL,
	"issue_count" integer DEFAULT 0 NOT NULL,
	"ttl_days" integer,
	"imported_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "indicators" (
	"feed_id" text NOT NULL,
	"type" text NOT NULL,
	"value" text NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"malware" text,
	"threat" text,
	"confidence" integer,
	"first_seen" text,
	"last_seen" text,
	"valid_until" text,
	"match_subdomains" boolean DEFAULT false NOT NULL,
	"reference" text,
	"line" integer NOT NULL,
	CONSTRAINT "indicators_feed_id_type_value_pk" PRIMARY KEY("feed_id","type","value")
);
--> statement-breakpoint
CREATE TABLE "kv" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"channel" text NOT NULL,
	"severity" text NOT NULL,
	"subject" text NOT NULL,
	"location" text,
	"status" text NOT NULL,
	"error" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "observables" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"value" text NOT NULL,
	"scope" text,
	"risk_score" real,
	"verdict" text,
	"intel" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" text PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"group" text DEFAULT 'default' NOT NULL,
	"status" text DEFAULT 'Waiting' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "actions_case" ON "actions" USING btree ("case_id");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_source_ref" ON "alerts" USING btree ("source","source_ref");--> statement-breakpoint
CREATE INDEX "alerts_case" ON "alerts" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "alerts_time" ON "alerts" USING btree ("time");--> statement-breakpoint
CREATE INDEX "audit_case" ON "audit_log" USING btree ("case_id","id");--> statement-breakpoint
CREATE INDEX "case_keys_case" ON "case_keys" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "case_observables_obs" ON "case_observables" USING btree ("observable_id");--> statement-breakpoint
CREATE UNIQUE INDEX "cases_number" ON "cases" USING btree ("number");--> statement-breakpoint
CREATE INDEX "cases_status" ON "cases" USING btree ("status");--> statement-breakpoint
CREATE INDEX "indicators_value" ON "indicators" USING btree ("value");--> statement-breakpoint
CREATE INDEX "notifications_case" ON "notifications" USING btree ("case_id");--> statement-breakpoint
CREATE UNIQUE INDEX "observables_type_value" ON "observables" USING btree ("type","value");--> statement-breakpoint
CREATE INDEX "tasks_case" ON "tasks" USING btree ("case_id");