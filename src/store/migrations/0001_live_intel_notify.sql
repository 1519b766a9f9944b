CREATE TABLE "intel_cache" (
	"key" text PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"observable_type" text NOT NULL,
	"observable_value" text NOT NULL,
	"result" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "source_checkpoints" (
	"source" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"position" jsonb NOT NULL,
	"delivered" bigint DEFAULT 0 NOT NULL,
	"last_event_at" timestamp with time zone,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "route" text;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "delivered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "payload" jsonb;--> statement-breakpoint
CREATE INDEX "intel_cache_expires" ON "intel_cache" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "intel_cache_provider" ON "intel_cache" USING btree ("provider");--> statement-breakpoint
CREATE INDEX "notifications_status" ON "notifications" USING btree ("status");