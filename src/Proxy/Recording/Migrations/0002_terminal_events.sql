-- SSH sessions record their command and terminal (and each resize) as 'terminal' events (JSON: command, term, width, height),
-- so a replay knows the terminal's size (asciicast v2 header and "r" events).
ALTER TABLE ticketgate.session_events DROP CONSTRAINT session_events_kind_check;
ALTER TABLE ticketgate.session_events ADD CONSTRAINT session_events_kind_check
    CHECK (kind IN ('client', 'server', 'hold', 'decision', 'truncated', 'terminal'));
