-- Roles for a shared opsdeck room, applied by the journal's owner with psql:
--
--   psql "$OWNER_URL" -v operator=alice -v observer=watch -f migrations/roles/grant.sql
--
-- An operator may read the room, append events and show presence; it cannot
-- choose the role an event is recorded under (db_role is filled by the
-- server from session_user). An observer may read the room, LISTEN for new
-- events and show presence, but not append: a console connected as an
-- observer is read-only without any flag, and the server refuses its appends.
--
-- The room's probing (room_samples, room_prober): an operator may take the
-- room's prober lease (insert, renew and release its row, and take over an
-- expired one), write samples (the sequence hands out their ids) and prune
-- old ones. An observer may only read both: it sees who probes and follows
-- the room's samples, but can never be the prober, since it could not write
-- what it probed (with nobody probing, its console probes for itself alone).
--
-- Run `opsdeck run … --store postgres://…` once as the owner first, so the
-- tables exist. Each role needs LOGIN and a way to authenticate (pg_hba.conf).

GRANT SELECT ON journal_rooms, journal_events, journal_presence, _opsdeck_journal_migrations TO :"operator";
GRANT INSERT (room, seq, at_ms, actor, kind, version, payload, key) ON journal_events TO :"operator";
GRANT INSERT, UPDATE ON journal_rooms TO :"operator";
GRANT INSERT, UPDATE, DELETE ON journal_presence TO :"operator";
GRANT SELECT, INSERT, DELETE ON room_samples TO :"operator";
GRANT USAGE ON SEQUENCE room_samples_id_seq TO :"operator";
GRANT SELECT, INSERT, UPDATE, DELETE ON room_prober TO :"operator";

GRANT SELECT ON journal_rooms, journal_events, journal_presence, _opsdeck_journal_migrations TO :"observer";
GRANT INSERT, UPDATE, DELETE ON journal_presence TO :"observer";
GRANT SELECT ON room_samples, room_prober TO :"observer";
