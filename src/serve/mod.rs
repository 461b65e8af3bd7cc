//! `opsdeck serve`: the room over plain SSH. An SSH server (the russh
//! crate) lets in the keys of a keys file; every session gets its own
//! console — pane, selection, filter, theme by what its terminal can show,
//! size by its window — drawn by ratatui into a backend that writes to the
//! SSH channel. All sessions share one room: one prober (the hub), one
//! journal store, events signed with the key's name and fingerprint, and
//! observers read-only.
//!
//! - keys: the keys file, re-read as it changes; host key: kept or made;
//! - ssh: authentication and channel requests; session: one channel's
//!   terminal, input and writer;
//! - lobby: what sessions share, and desks parked for a returning key;
//! - desk: one console's loop; frame: one frame in flight per session;
//! - backend and input: the console's screen and keys over SSH;
//! - hub: the one prober.

pub mod backend;
pub mod desk;
pub mod frame;
pub mod host_key;
pub mod hub;
pub mod input;
pub mod keys;
pub mod lobby;
pub mod session;
pub mod ssh;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use russh::server::Server as _;

use crate::adapters::journal::{Actor, AnyStore, Journal};
use crate::adapters::probe::ProbeEnv;
use opsdeck_core::config::Plan;

/// How `opsdeck serve` was asked to run.
pub struct Options {
    /// `--listen`: where to accept connections.
    pub listen: String,
    /// `--keys`: who may come in.
    pub keys: PathBuf,
    /// `--host-key`: the server's key (else kept in the state directory).
    pub host_key: Option<PathBuf>,
    pub store: Option<String>,
    pub room: Option<String>,
    pub theme: Option<String>,
    pub keymap: Option<String>,
    pub ascii: bool,
}

/// Serves `plan` until SIGINT or SIGTERM.
pub async fn run(plan: Plan, env: ProbeEnv, opts: Options) -> Result<ExitCode> {
    crate::secrets::install(crate::secrets::Redactor::for_process(Some(&plan)));
    crate::shell::look::load(
        opts.theme.as_deref(),
        opts.keymap.as_deref(),
        plan.deck.theme.as_deref(),
        plan.deck.keymap.as_deref(),
        &plan.base_dir,
        None,
    )
    .map_err(|r| color_eyre::eyre::eyre!("{}", r.render()))?;
    let ring = match keys::watch_file(opts.keys.clone()) {
        Ok(ring) => ring,
        Err(e) => {
            eprintln!("opsdeck serve: {e:#}");
            return Ok(ExitCode::from(1));
        }
    };
    let (host_key, host_key_path) = host_key::load_or_create(opts.host_key.as_deref())?;
    let host_fingerprint = host_key.public_key().fingerprint(russh::keys::HashAlg::Sha256);
    let room = opts.room.clone().unwrap_or_else(|| plan.deck.room());
    let store = AnyStore::open(opts.store.as_deref()).wrap_err("cannot open the journal store")?;
    if let AnyStore::Postgres(pg) = &store {
        tokio::spawn(say_how_people_count(pg.clone()));
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "localhost".into());
    let me = Actor { name: "opsdeck-serve".into(), host: host.clone(), from: None };
    let journal =
        Journal::new(store.clone(), &room, me, false, None).wrap_err_with(|| format!("cannot open the journal of room {room}"))?;
    let plan = Arc::new(plan);
    let hub = hub::Hub::start(plan.clone(), env, journal);
    let lobby = lobby::Lobby::new(plan, store, room.clone(), host, (opts.theme, opts.keymap, opts.ascii), hub, ring.clone());
    let config = russh::server::Config {
        methods: ssh::methods(),
        keys: vec![host_key],
        auth_rejection_time: Duration::from_millis(300),
        auth_rejection_time_initial: Some(Duration::ZERO),
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(10)),
        nodelay: true,
        ..Default::default()
    };
    let socket = tokio::net::TcpListener::bind(&opts.listen).await.wrap_err_with(|| format!("cannot listen on {}", opts.listen))?;
    let addr = socket.local_addr().wrap_err("cannot tell the listening address")?;
    eprintln!(
        "opsdeck serve: room {room} on {addr}; host key {host_fingerprint} ({}); {} keys from {}",
        host_key_path.display(),
        ring.borrow().len(),
        opts.keys.display()
    );
    let mut server = ssh::Server { lobby };
    let running = server.run_on_socket(Arc::new(config), &socket);
    let handle = running.handle();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).wrap_err("cannot listen for signals")?;
    tokio::select! {
        r = running => r.wrap_err("the SSH server stopped")?,
        _ = tokio::signal::ctrl_c() => handle.shutdown("opsdeck serve is stopping".into()),
        _ = term.recv() => handle.shutdown("opsdeck serve is stopping".into()),
    }
    // Give sessions a moment to restore their terminals.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(ExitCode::SUCCESS)
}

/// Says once how the room will tell this serve's people apart: PostgreSQL
/// records the role each event came from, so unless that role is a voucher
/// (migrations/roles/voucher.sql) every session counts as one person for
/// the two-person rule.
async fn say_how_people_count(pg: crate::adapters::journal::PgStore) {
    match pg.voucher().await {
        Ok((true, role)) => eprintln!("opsdeck serve: the database role {role} vouches for each key's name (two-person rule by key)"),
        Ok((false, role)) => eprintln!(
            "opsdeck serve: note: the database role {role} is not a voucher, so the room counts every SSH session as one \
             person ({role}) and the two-person rule cannot be met through this serve; make it one with \
             psql -v serve={role} -f migrations/roles/voucher.sql"
        ),
        Err(e) => tracing::warn!("cannot tell whether the database role vouches for names: {e:#}"),
    }
}
