CREATE TABLE "file_editors" (
	"file_id" text NOT NULL,
	"user_id" text NOT NULL,
	"last_edited_at" timestamp with time zone NOT NULL,
	CONSTRAINT "file_editors_file_id_user_id_pk" PRIMARY KEY("file_id","user_id")
);
--> statement-breakpoint
DROP INDEX "notifications_source_idx";--> statement-breakpoint
ALTER TABLE "notification_counters" ADD COLUMN "version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "email_pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "file_editors" ADD CONSTRAINT "file_editors_file_id_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."files"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "file_editors" ADD CONSTRAINT "file_editors_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "file_editors_user_idx" ON "file_editors" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_source_uq" ON "notifications" USING btree ("source_event_id","user_id");