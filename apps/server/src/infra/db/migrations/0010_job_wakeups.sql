-- A job that becomes pending (enqueued, retried, handed back, rescued) is announced after its
-- transaction commits on channel codepark_jobs as '<queue> <run_at in epoch ms>', so a runner that
-- listens needs no fixed poll (infra/queue/runner.ts). Only sessions that set
-- codepark.job_wakeups = 'on' announce: the embedded store does (one process, every writer is the
-- listener); on PostgreSQL nothing listens and NOTIFY would serialise commits, so it stays off there.
CREATE FUNCTION "jobs_announce_pending"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('codepark.job_wakeups', true) = 'on' THEN
    PERFORM pg_notify('codepark_jobs', NEW.queue || ' ' || floor(extract(epoch FROM NEW.run_at) * 1000)::bigint);
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "jobs_announce_pending" AFTER INSERT OR UPDATE OF "state", "run_at" ON "jobs"
  FOR EACH ROW WHEN (NEW.state = 'pending') EXECUTE FUNCTION "jobs_announce_pending"();
