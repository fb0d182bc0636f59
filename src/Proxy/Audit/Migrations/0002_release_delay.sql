-- From the decision (the workflow's Allow, a person's last needed vote) to the held bytes going upstream, in microseconds:
-- what an approver waits after deciding, and the figure bench/workflow-bench.sh reports as signal latency.
ALTER TABLE ticketgate.audit_log ADD COLUMN release_us bigint;
