//! One prober per room: in a shared (PostgreSQL) room exactly one console
//! holds the room's *prober lease*, runs the checks and writes each sample
//! to the room's samples table; the others read the room's samples and
//! probe nothing. When the prober dies (SIGKILL), is killed or loses the
//! store, another console takes the lease over within 10 s (see
//! [`lease::LEASE_TTL`] for the arithmetic).
//!
//! - [`lease`]: the lease row: take or renew it, release it, who holds it;
//! - [`duty`]: the loop that keeps asking for the lease and says what this
//!   console should do ([`Duty`]: probe for the room, follow, or probe for
//!   itself);
//! - [`room_samples`]: the room's samples table (batched inserts that notify,
//!   reads by id or time, pruning);
//! - [`writer`]: the prober's batched background writer ([`RoomWriter`]);
//! - [`follow`]: a follower's reader of the room's samples, woken by the
//!   journal's `LISTEN` connection.
//!
//! Tables are made by `migrations/postgres/0003_room_prober.sql`; the roles
//! that may use them by `migrations/roles/grant.sql`.

pub mod duty;
pub mod follow;
pub mod lease;
pub mod room_samples;
pub mod writer;

pub use duty::{Duty, DutyHandle};
pub use lease::{Holder, LEASE_TTL, RENEW_EVERY};
pub use room_samples::ROOM_RETENTION_MS;
pub use writer::RoomWriter;
