-- One prober per room (issue 12): one console of a shared room holds the
-- room's prober lease, runs the checks and writes each sample here; the
-- other consoles read the room's samples and probe nothing.

-- The room's samples, newest id last. Ids are handed out in commit order
-- within a room (writers take a per-room advisory lock, see
-- src/adapters/prober/room_samples.rs), so a reader that remembers the last
-- id it saw misses nothing. Kept for a day (ROOM_RETENTION_MS), pruned by
-- the prober. fields is `name<TAB>value` lines (opsdeck-core's
-- encode_fields); error is set when the probe failed, and answered says
-- whether the target answered (HTTP 503) or not (timeout).
CREATE TABLE room_samples (
    id bigserial PRIMARY KEY,
    room text NOT NULL,
    at_ms bigint NOT NULL,
    check_id text NOT NULL,
    latency_ms double precision NOT NULL,
    fields text,
    error text,
    answered boolean NOT NULL DEFAULT false,
    console_id text NOT NULL
);
CREATE INDEX room_samples_room_id ON room_samples (room, id);
CREATE INDEX room_samples_room_at ON room_samples (room, at_ms);

-- The prober lease: at most one row per room, naming the console that
-- probes for it. Every time is on the server's clock
-- ((extract(epoch FROM clock_timestamp()) * 1000)::bigint), so consoles
-- with skewed clocks agree. A row whose expires_ms has passed holds nothing:
-- the next console to ask takes it. acquired_ms changes only when the lease
-- changes hands; renewed_ms and expires_ms move with every renewal.
CREATE TABLE room_prober (
    room text PRIMARY KEY,
    console_id text NOT NULL,
    actor jsonb NOT NULL,
    acquired_ms bigint NOT NULL,
    renewed_ms bigint NOT NULL,
    expires_ms bigint NOT NULL
);
