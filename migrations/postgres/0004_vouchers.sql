-- Vouchers: a database role that carries several people and vouches for
-- each of them by name. `opsdeck serve` is one: it connects with one role
-- and knows every SSH session by the key it authenticated, so the name in
-- an event it appends is one it checked. A role is a voucher when it is a
-- direct member of the group role opsdeck_voucher (migrations/roles/voucher.sql
-- creates it and grants it). For a voucher the server records who appended
-- an event as "role/name"; for every other role as the role alone, whatever
-- name the console gives (as 0002). Filled here, on the server, never by
-- the client: the client's own db_role value is ignored.
CREATE OR REPLACE FUNCTION opsdeck_vouched_role() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.db_role := session_user;
    IF EXISTS (
        SELECT 1 FROM pg_auth_members m
        JOIN pg_roles g ON g.oid = m.roleid
        JOIN pg_roles r ON r.oid = m.member
        WHERE g.rolname = 'opsdeck_voucher' AND r.rolname = session_user
    ) THEN
        NEW.db_role := session_user || '/' || coalesce(NEW.actor ->> 'name', '');
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER journal_events_vouched BEFORE INSERT ON journal_events
    FOR EACH ROW EXECUTE FUNCTION opsdeck_vouched_role();
