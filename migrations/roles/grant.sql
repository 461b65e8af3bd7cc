-- Roles for a shared opsdeck room, applied by the journal's owner with psql:
--
--   psql "$OWNER_URL" -v operator=alice -v observer=watch -f migrations/roles/grant.sql
--
-- An operator may read the room, append events and show presence; it cannot
-- choose the role an event is recorded under (db_role is filled by the
-- server from session_user). An observer may read the room, LISTEN for new
-- events and show presence, but not append: a console connected as an
-- observer is read-only without any flag, and the server refuses its appends.
-- Run `opsdeck run … --store postgres://…` once as the owner first, so the
-- tables exist. Each role needs LOGIN and a way to authenticate (pg_hba.conf).

GRANT SELECT ON journal_rooms, journal_events, journal_presence, _opsdeck_journal_migrations TO :"operator";
GRANT INSERT (room, seq, at_ms, actor, kind, version, payload, key) ON journal_events TO :"operator";
GRANT INSERT, UPDATE ON journal_rooms TO :"operator";
GRANT INSERT, UPDATE ON journal_presence TO :"operator";

GRANT SELECT ON journal_rooms, journal_events, journal_presence, _opsdeck_journal_migrations TO :"observer";
GRANT INSERT, UPDATE ON journal_presence TO :"observer";
