-- Make a database role a voucher (see migrations/postgres/0004_vouchers.sql):
-- the role `opsdeck serve` connects as, so the room tells the people on its
-- SSH sessions apart (the two-person rule needs two of them). Applied by a
-- role that may create and grant roles, with psql:
--
--   psql "$ADMIN_URL" -v serve=opsdeck_serve -f migrations/roles/voucher.sql
--
-- The serve role needs the operator grants too (migrations/roles/grant.sql).
-- Trust it as you trust the keys file it reads: whoever can connect as a
-- voucher can append events under any name.

DO $$
BEGIN
    CREATE ROLE opsdeck_voucher NOLOGIN;
EXCEPTION WHEN duplicate_object THEN
    NULL;
END
$$;
GRANT opsdeck_voucher TO :"serve";
