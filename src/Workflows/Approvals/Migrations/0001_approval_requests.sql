-- Held commands and their decisions. A row is written when a proxy holds a command and changes once: from pending
-- to its final status. holder/holder_run say which TicketGate instance (and which run of it) waits on the request.
CREATE TABLE ticketgate.approval_requests (
    id               uuid PRIMARY KEY,
    protocol         text        NOT NULL,
    connection       text        NOT NULL,
    connection_tags  jsonb       NOT NULL DEFAULT '{}',
    requester        text        NOT NULL,
    requester_groups text[]      NOT NULL DEFAULT '{}',
    command          text        NOT NULL,
    parameters       jsonb       NOT NULL DEFAULT '[]',
    command_class    text        NOT NULL,
    tier             text        NOT NULL CHECK (tier IN ('low', 'medium', 'high', 'critical')),
    rule             text        NOT NULL,
    payload_sha256   text        NOT NULL,
    approver_groups  text[]      NOT NULL DEFAULT '{}',
    session_id       text,
    holder           text        NOT NULL,
    holder_run       uuid        NOT NULL,
    created_at       timestamptz NOT NULL,
    deadline         timestamptz,
    status           text        NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'expired')),
    decided_at       timestamptz,
    decided_by       text[]      NOT NULL DEFAULT '{}',
    reason           text,
    by_fallback      boolean     NOT NULL DEFAULT false,
    ticket_key       text,
    CHECK ((status = 'pending') = (decided_at IS NULL))
);

CREATE INDEX approval_requests_newest ON ticketgate.approval_requests (created_at DESC, id);
CREATE INDEX approval_requests_pending ON ticketgate.approval_requests (holder, created_at) WHERE status = 'pending';

-- One vote per person per request, so "N distinct approvers" counts people, not clicks.
CREATE TABLE ticketgate.approval_votes (
    request_id uuid        NOT NULL REFERENCES ticketgate.approval_requests (id) ON DELETE CASCADE,
    person     text        NOT NULL,
    vote       text        NOT NULL CHECK (vote IN ('approve', 'reject')),
    reason     text,
    at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, person)
);
