//! Whether the role a PostgreSQL store connects as is a voucher (a direct
//! member of `opsdeck_voucher`, see migrations/postgres/0004_vouchers.sql):
//! then the server records each event's appender as `role/name`, and a
//! process carrying several people (`opsdeck serve`) tells them apart.

use color_eyre::eyre::{Result, WrapErr};

use super::postgres::PgStore;

impl PgStore {
    /// `(is a voucher, the role's name)` for the role this store connects as.
    pub async fn voucher(&self) -> Result<(bool, String)> {
        self.ready().await?;
        let (vouches, role): (bool, String) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM pg_auth_members m \
               JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member \
               WHERE g.rolname = 'opsdeck_voucher' AND r.rolname = session_user), session_user::text",
        )
        .fetch_one(&self.pool())
        .await
        .wrap_err("asking the database whether this role vouches for names (opsdeck_voucher)")?;
        Ok((vouches, role))
    }
}
