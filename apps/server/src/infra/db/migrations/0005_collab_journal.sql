CREATE TABLE "collab_journal" (
	"id" smallint PRIMARY KEY NOT NULL,
	"flushed_segment" bigint NOT NULL
);
