//! A TCP proxy in front of the real PostgreSQL that a test owns and can
//! break in the ways a store goes away (the shared server itself is never
//! stopped):
//!
//! - [`Proxy::cut`]: live connections dropped, new ones accepted and closed
//!   at once (a server that dies under its clients);
//! - [`Proxy::refuse`]: live connections dropped and the port closed, so
//!   connecting is refused (a stopped server, a rejecting firewall);
//! - [`Proxy::stall`]: bytes held, nothing closed (a silent network);
//! - [`Proxy::partition`]: a stall after which the connections open now
//!   never speak again, though they are not closed either (a partition that
//!   heals after the server side forgot them, a failover, a NAT reset);
//! - [`Proxy::restore`]: back to normal for new connections, on the same port.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opsdeck::adapters::journal::PgStore;
use sqlx::postgres::PgConnectOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

/// A proxied connection: its task, and whether it went silent for good.
type Conn = (AbortHandle, Arc<AtomicBool>);

pub struct Proxy {
    pub addr: SocketAddr,
    upstream: String,
    up: Arc<AtomicBool>,
    stalled: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<Conn>>>,
    /// Connections accepted so far, including those closed at once while cut.
    accepted: Arc<AtomicUsize>,
    /// The accept loop; `None` while refusing (the port is closed).
    acceptor: Mutex<Option<JoinHandle<()>>>,
}

impl Proxy {
    /// A proxy on a free loopback port in front of `upstream` (`host:port`).
    pub async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("its address");
        let proxy = Proxy {
            addr,
            upstream,
            up: Arc::new(AtomicBool::new(true)),
            stalled: Arc::new(AtomicBool::new(false)),
            conns: Arc::default(),
            accepted: Arc::default(),
            acceptor: Mutex::new(None),
        };
        proxy.accept_on(listener);
        proxy
    }

    /// A proxy in front of the test PostgreSQL.
    pub async fn to_postgres() -> Proxy {
        let real = real_options();
        Proxy::start(format!("{}:{}", real.get_host(), real.get_port())).await
    }

    /// Options for the test PostgreSQL through this proxy, connections named `app`.
    pub fn options(&self, app: &str) -> PgConnectOptions {
        real_options().host("127.0.0.1").port(self.addr.port()).application_name(app)
    }

    /// A lazy store through this proxy with the app's own connection settings.
    pub fn store(&self, app: &str) -> PgStore {
        PgStore::lazy_with(self.options(app), opsdeck::adapters::journal::postgres::DEFAULT_ACQUIRE_TIMEOUT)
    }

    /// `postgres://…` through this proxy, for `--store` of a real console.
    pub fn url(&self) -> String {
        let real = real_options();
        format!("postgres://{}@127.0.0.1:{}/{}", real.get_username(), self.addr.port(), real.get_database().unwrap_or("test"))
    }

    /// How many connections clients opened through the proxy so far (those
    /// it closed at once while cut count too): whether anyone tried the store.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn accept_on(&self, listener: TcpListener) {
        let (up, stalled, conns, upstream) = (self.up.clone(), self.stalled.clone(), self.conns.clone(), self.upstream.clone());
        let accepted = self.accepted.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                accepted.fetch_add(1, Ordering::SeqCst);
                if !up.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let (upstream, stalled, dead) = (upstream.clone(), stalled.clone(), Arc::new(AtomicBool::new(false)));
                let dead2 = dead.clone();
                let task = tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    tokio::select! {
                        () = pipe(cr, sw, stalled.clone(), dead2.clone()) => {}
                        () = pipe(sr, cw, stalled, dead2) => {}
                    }
                });
                conns.lock().expect("conns").push((task.abort_handle(), dead));
            }
        });
        *self.acceptor.lock().expect("acceptor") = Some(task);
    }

    fn drop_connections(&self) {
        for (c, _) in self.conns.lock().expect("conns").drain(..) {
            c.abort();
        }
    }

    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.drop_connections();
    }

    pub async fn refuse(&self) {
        let acceptor = self.acceptor.lock().expect("acceptor").take();
        if let Some(task) = acceptor {
            task.abort();
            // The listener closes when the aborted task is dropped.
            let _ = task.await;
        }
        self.drop_connections();
        // Closed for real: a connect is refused now.
        let refused = TcpStream::connect(self.addr).await;
        assert!(refused.is_err(), "the proxy port still accepts");
    }

    pub fn stall(&self) {
        self.stalled.store(true, Ordering::SeqCst);
    }

    pub fn partition(&self) {
        self.stalled.store(true, Ordering::SeqCst);
        for (_, dead) in self.conns.lock().expect("conns").iter() {
            dead.store(true, Ordering::SeqCst);
        }
    }

    pub async fn restore(&self) {
        self.stalled.store(false, Ordering::SeqCst);
        self.up.store(true, Ordering::SeqCst);
        let closed = self.acceptor.lock().expect("acceptor").is_none();
        if closed {
            let mut tries = 0;
            let listener = loop {
                match TcpListener::bind(self.addr).await {
                    Ok(l) => break l,
                    Err(e) if tries < 50 => {
                        tries += 1;
                        eprintln!("rebinding {}: {e}", self.addr);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("cannot listen on {} again: {e}", self.addr),
                }
            };
            self.accept_on(listener);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(task) = self.acceptor.lock().ok().and_then(|mut a| a.take()) {
            task.abort();
        }
        self.drop_connections();
    }
}

async fn pipe(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, stalled: Arc<AtomicBool>, dead: Arc<AtomicBool>) {
    let mut buf = vec![0; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while stalled.load(Ordering::SeqCst) || dead.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// The test PostgreSQL's options, from `OPSDECK_TEST_POSTGRES_URL`.
pub fn real_options() -> PgConnectOptions {
    let url = super::postgres_url();
    PgConnectOptions::from_str(&url).unwrap_or_else(|e| panic!("{url}: {e}"))
}
