-- Which ticket speaks for which held command: the reconciler and the poller only act on tickets listed here, and only while open.
CREATE TABLE ticketgate.ticket_links (
    request_id      uuid PRIMARY KEY,
    system          text NOT NULL,
    kind            text NOT NULL,
    ticket_id       text NOT NULL,
    ticket_key      text NOT NULL,
    url             text NOT NULL,
    idempotency_key text NOT NULL,
    -- open: waiting for a decision; decided: a decision was reported; ignored: a decision came too late or from the requester;
    -- closed: TicketGate wrote the outcome on the ticket and moved it to its done or cancelled status.
    state           text NOT NULL DEFAULT 'open',
    deadline        timestamptz NOT NULL,
    opened_at       timestamptz NOT NULL DEFAULT now(),
    next_poll_at    timestamptz NOT NULL,
    poll_failures   int NOT NULL DEFAULT 0,
    last_error      text,
    note            text,
    closed_at       timestamptz,
    UNIQUE (system, ticket_id)
);
CREATE INDEX ticket_links_due ON ticketgate.ticket_links (system, next_poll_at) WHERE state = 'open';
