-- One row per statement the gateway saw, and a row of kind 'audit_gap' whenever entries had to be dropped.
-- Written with binary COPY by AuditLog; read newest-first by `ticketgate audit tail`.
CREATE TABLE ticketgate.audit_log (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL,
    session_id      text,
    protocol        text        NOT NULL,
    connection      text        NOT NULL,
    subject         text        NOT NULL,
    groups          text[]      NOT NULL DEFAULT '{}',
    statement       text        NOT NULL,
    statement_class text,
    tier            text CHECK (tier IN ('low', 'medium', 'high', 'critical')),
    rule            text,
    decision        text        NOT NULL CHECK (decision IN ('allowed', 'approved', 'rejected', 'blocked', 'withdrawn',
                                                             'expired', 'failed', 'audit_gap')),
    request_id      uuid,
    decided_by      text[]      NOT NULL DEFAULT '{}',
    duration_us     bigint      NOT NULL DEFAULT 0,
    hold_us         bigint,
    rows_affected   bigint,
    command_tag     text,
    sqlstate        text,
    lost_entries    bigint,
    lost_from       timestamptz,
    lost_to         timestamptz,
    CHECK ((decision = 'audit_gap') = (lost_entries IS NOT NULL))
);

CREATE INDEX audit_log_at ON ticketgate.audit_log (at);
CREATE INDEX audit_log_request ON ticketgate.audit_log (request_id) WHERE request_id IS NOT NULL;
