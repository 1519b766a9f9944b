DROP INDEX "alerts_case";--> statement-breakpoint
CREATE INDEX "alerts_case_time" ON "alerts" USING btree ("case_id","time");