CREATE TABLE "response_effects" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"target" text NOT NULL,
	"state" text NOT NULL,
	"status" text DEFAULT 'simulated' NOT NULL,
	"case_id" text NOT NULL,
	"action_id" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"claimed_at" timestamp with time zone NOT NULL,
	"released_at" timestamp with time zone,
	"release_reason" text
);
--> statement-breakpoint
CREATE TABLE "response_holders" (
	"effect_id" text NOT NULL,
	"case_id" text NOT NULL,
	"action_id" text NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"released_at" timestamp with time zone,
	"release_reason" text,
	CONSTRAINT "response_holders_effect_id_case_id_pk" PRIMARY KEY("effect_id","case_id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "response_effects_key" ON "response_effects" USING btree ("kind","target");--> statement-breakpoint
CREATE INDEX "response_effects_due" ON "response_effects" USING btree ("state","expires_at");--> statement-breakpoint
CREATE INDEX "response_holders_case" ON "response_holders" USING btree ("case_id");