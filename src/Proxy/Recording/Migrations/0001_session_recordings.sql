-- Session recordings: one row per agent session, and its events in order, append-only. Written in batches by RecordingLog;
-- read by GET /api/sessions and `ticketgate replay`. Server bytes are recorded after masking, exactly as the agent got them.
CREATE TABLE ticketgate.recorded_sessions (
    id              uuid        PRIMARY KEY,
    protocol        text        NOT NULL,
    connection      text        NOT NULL,
    subject         text        NOT NULL,
    groups          text[]      NOT NULL DEFAULT '{}',
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    recorded_bytes  bigint      NOT NULL DEFAULT 0,
    omitted_bytes   bigint      NOT NULL DEFAULT 0,
    truncated       boolean     NOT NULL DEFAULT false
);

CREATE INDEX recorded_sessions_started ON ticketgate.recorded_sessions (started_at);
CREATE INDEX recorded_sessions_subject ON ticketgate.recorded_sessions (subject, started_at);
CREATE INDEX recorded_sessions_connection ON ticketgate.recorded_sessions (connection, started_at);

-- kind: client (the agent's protocol bytes of one read), server (what the agent was sent for one upstream read), hold and
-- decision (JSON), truncated (JSON: the per-session cap was reached; later protocol bytes are counted, not kept).
CREATE TABLE ticketgate.session_events (
    session_id  uuid    NOT NULL,
    seq         integer NOT NULL,
    offset_us   bigint  NOT NULL,
    kind        text    NOT NULL CHECK (kind IN ('client', 'server', 'hold', 'decision', 'truncated')),
    payload     bytea   NOT NULL,
    PRIMARY KEY (session_id, seq)
);
