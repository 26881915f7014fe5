CREATE TABLE "event_outbox" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"retry_at" timestamp with time zone,
	"last_error" text
);
--> statement-breakpoint
CREATE INDEX "messages_deleted_idx" ON "messages" USING btree ("conversation_id","seq") WHERE deleted_at IS NOT NULL;--> statement-breakpoint
-- Events whose events.dispatch job had not finished go to the outbox; the jobs go (no handler is left).
INSERT INTO "event_outbox" ("seq")
  SELECT e."seq" FROM "domain_events" e
  WHERE e."id" IN (
    SELECT jsonb_array_elements_text(j."payload"->'eventIds') FROM "jobs" j
    WHERE j."name" = 'events.dispatch' AND j."state" IN ('pending', 'running'))
  ON CONFLICT DO NOTHING;--> statement-breakpoint
DELETE FROM "jobs" WHERE "name" = 'events.dispatch' AND "state" IN ('pending', 'running');
