//! The adapters: where the core meets the outside world. The journal's
//! stores (SQLite, PostgreSQL with LISTEN/NOTIFY, the offline spool), the
//! probers and their scheduler, running commands, notification delivery,
//! the recorded samples file, reading the plan's Markdown documents, and
//! Alertmanager (its API, and the mirror of silences into it).
//! `prober`: one prober per shared room (the lease, the room's samples).
//! `postgres_tls`: TLS to PostgreSQL as libpq does it, for the probe and the
//! journal store alike. `wake_grid`: the instants periodic work falls due on.

pub mod alertmanager;
pub mod exec;
pub mod journal;
pub mod launch_docs;
pub mod notify;
pub mod postgres_tls;
pub mod probe;
pub mod prober;
pub mod samples;
pub mod wake_grid;
