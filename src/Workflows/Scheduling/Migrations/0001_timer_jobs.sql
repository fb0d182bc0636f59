-- Which Hangfire job fires which workflow timer bookmark, so a wait that completes can delete its job.
CREATE TABLE ticketgate.workflow_timer_jobs (
    bookmark_id text PRIMARY KEY,
    job_id      text NOT NULL,
    due_at      timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
