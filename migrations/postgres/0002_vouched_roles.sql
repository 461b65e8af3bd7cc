-- Who the server vouches appended each event: the database role the console
-- was connected as. Filled by the server (the default), never by the client:
-- grant appenders INSERT on the other columns only (see migrations/roles/).
-- Events stored before this migration keep NULL (not known).
ALTER TABLE journal_events ADD COLUMN db_role text;
ALTER TABLE journal_events ALTER COLUMN db_role SET DEFAULT session_user;
