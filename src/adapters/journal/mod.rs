//! The journal: every human or automated decision, as an event appended to
//! a store before it is shown as done. State is the plan, plus a fold of the
//! room's events, plus live samples.
//!
//! - [`event`]: the event types; [`identity`]: who is at the console;
//! - [`store`]: the [`Store`] contract and [`AnyStore`]; [`sqlite`] and
//!   [`postgres`] implement it, [`listen`] turns PostgreSQL notifications
//!   into [`Wake`]s;
//! - [`facade`]: [`Journal`], what the app holds (read-only refusal, the
//!   offline [`spool`]);
//! - [`room`]: safe names derived from room names; [`error`]: errors the
//!   caller tells apart.
//!
//! The app's read loop: `let mut wakes = journal.subscribe();` then, on each
//! wake, `journal.sync(last_seen)` and fold what it returns. A wake carries
//! no event; it means "read everything after your last seq".

pub mod any_store;
pub mod error;
pub mod facade;
pub mod identity;
mod listen;
mod pg_connection;
mod pg_presence;
mod pg_read;
mod pg_voucher;
pub mod postgres;
pub mod room;
pub mod spool;
pub mod sqlite;
mod sqlite_watch;
pub mod store;

pub use any_store::AnyStore;
pub use error::{Denied, ReadOnly, Unreachable, is_denied, is_read_only, is_unreachable};
pub use facade::{Appended, Health, Journal, Upkeep};
pub(crate) use listen::SAMPLES_PAYLOAD;
pub use opsdeck_core::event;
pub use opsdeck_core::event::{Actor, Body, Event, Expiry, NewEvent, Outcome, Role, Status, Subject, Verdict};
pub use postgres::PgStore;
pub use spool::Spool;
pub use sqlite::SqliteStore;
pub use store::{Store, Wake, read_all};
