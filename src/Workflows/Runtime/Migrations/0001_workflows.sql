-- Workflow definition versions (contract §5): one row per version. At most one published and one latest row per
-- definition; the draft, if any, is the latest unpublished row. json is the definition as the Studio saved it.
CREATE TABLE ticketgate.workflow_definitions (
    id             text        PRIMARY KEY,
    definition_id  text        NOT NULL,
    version        integer     NOT NULL CHECK (version >= 1),
    name           text,
    is_latest      boolean     NOT NULL,
    is_published   boolean     NOT NULL,
    json           text        NOT NULL,
    content_hash   text        NOT NULL,
    source         text,
    created_at     timestamptz NOT NULL,
    UNIQUE (definition_id, version)
);
CREATE UNIQUE INDEX workflow_definitions_one_latest ON ticketgate.workflow_definitions (definition_id) WHERE is_latest;
CREATE UNIQUE INDEX workflow_definitions_one_published ON ticketgate.workflow_definitions (definition_id) WHERE is_published;

-- Instances: the whole state as JSON plus the columns lists filter on. concurrency increases with every save.
CREATE TABLE ticketgate.workflow_instances (
    id                     text        PRIMARY KEY,
    definition_id          text        NOT NULL,
    definition_version_id  text        NOT NULL,
    definition_version     integer     NOT NULL,
    status                 text        NOT NULL CHECK (status IN ('Running', 'Finished')),
    sub_status             text        NOT NULL,
    correlation_id         text,
    incident_count         integer     NOT NULL DEFAULT 0,
    state                  jsonb       NOT NULL,
    concurrency            bigint      NOT NULL,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    finished_at            timestamptz
);
CREATE INDEX workflow_instances_newest ON ticketgate.workflow_instances (created_at DESC, id);
CREATE INDEX workflow_instances_running ON ticketgate.workflow_instances (definition_id) WHERE status = 'Running';
CREATE INDEX workflow_instances_correlation ON ticketgate.workflow_instances (correlation_id) WHERE correlation_id IS NOT NULL;

-- Bookmarks, indexed by hash for stimuli and by due time for timers. consumed_at is set exactly once, by the run
-- that resumed the bookmark (cancelled = false) or the run that dropped it (cancelled = true).
CREATE TABLE ticketgate.workflow_bookmarks (
    id                    text        PRIMARY KEY,
    instance_id           text        NOT NULL REFERENCES ticketgate.workflow_instances (id) ON DELETE CASCADE,
    activity_id           text        NOT NULL,
    activity_instance_id  text        NOT NULL,
    name                  text        NOT NULL,
    hash                  text        NOT NULL,
    bookmark              jsonb       NOT NULL,
    due_at                timestamptz,
    created_at            timestamptz NOT NULL,
    consumed_at           timestamptz,
    cancelled             boolean     NOT NULL DEFAULT false
);
CREATE INDEX workflow_bookmarks_open_hash ON ticketgate.workflow_bookmarks (hash) WHERE consumed_at IS NULL;
CREATE INDEX workflow_bookmarks_open_due ON ticketgate.workflow_bookmarks (due_at) WHERE consumed_at IS NULL AND due_at IS NOT NULL;
CREATE INDEX workflow_bookmarks_instance ON ticketgate.workflow_bookmarks (instance_id);
