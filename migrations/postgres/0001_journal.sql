-- The shared war-room journal. Table names carry a journal_ prefix because
-- the database is shared with other opsdeck subsystems (and other tools).

-- One row per room: the last sequence number handed out. Appends update it in
-- the same transaction as the insert, which serialises appenders per room and
-- keeps seqs gapless (a rolled-back append gives its number back).
CREATE TABLE journal_rooms (
    room text PRIMARY KEY,
    seq bigint NOT NULL
);

CREATE TABLE journal_events (
    room text NOT NULL,
    seq bigint NOT NULL,
    at_ms bigint NOT NULL,
    actor jsonb NOT NULL,
    kind text NOT NULL,
    version integer NOT NULL,
    payload jsonb NOT NULL,
    key text NOT NULL,
    CONSTRAINT journal_events_room_seq PRIMARY KEY (room, seq),
    CONSTRAINT journal_events_room_key UNIQUE (room, key)
);

-- Who is looking at a room: one row per console, stamped with the server's clock.
CREATE TABLE journal_presence (
    room text NOT NULL,
    console_id text NOT NULL,
    actor jsonb NOT NULL,
    last_seen_ms bigint NOT NULL,
    PRIMARY KEY (room, console_id)
);
