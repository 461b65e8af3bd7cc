-- One SQLite file per room. seq is the rowid: events are never deleted, so
-- it grows by one per append with no gaps.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    payload TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE
);

CREATE TABLE presence (
    console_id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    last_seen_ms INTEGER NOT NULL
);
