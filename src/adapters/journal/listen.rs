//! The PostgreSQL subscriber: a task holding one `LISTEN` connection for a
//! room's channel, turning notifications into [`Wake`]s and sending
//! [`Wake::Resync`] after every (re)connect, since notifications sent while
//! it was disconnected are gone. Reconnects forever, with backoff, until
//! the receiver is dropped.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use tokio::sync::mpsc;

use super::store::{Wake, signal};

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Starts listening on `channel`; see [`Wake`] for what the receiver gets.
pub(crate) fn spawn(options: PgConnectOptions, channel: String) -> mpsc::Receiver<Wake> {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(run(options, channel, tx));
    rx
}

async fn run(options: PgConnectOptions, channel: String, tx: mpsc::Sender<Wake>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        match listen(&options, &channel).await {
            Ok(mut listener) => {
                backoff = FIRST_BACKOFF;
                // LISTEN is active before this wake, so nothing committed
                // after the consumer's resync read can be missed.
                if !signal(&tx, Wake::Resync) {
                    return;
                }
                loop {
                    let received = tokio::select! {
                        () = tx.closed() => return,
                        r = listener.try_recv() => r,
                    };
                    let wake = match received {
                        Ok(Some(n)) => match n.payload().parse() {
                            Ok(seq) => Wake::Appended { seq },
                            Err(_) => Wake::Resync,
                        },
                        // The connection dropped and sqlx re-listened: anything
                        // sent meanwhile is lost, so resync.
                        Ok(None) => Wake::Resync,
                        Err(err) => {
                            tracing::debug!("journal listener on {channel}: {err}");
                            break;
                        }
                    };
                    if !signal(&tx, wake) {
                        return;
                    }
                }
            }
            Err(err) => tracing::debug!("journal listener on {channel}: connecting: {err}"),
        }
        tokio::select! {
            () = tx.closed() => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn listen(options: &PgConnectOptions, channel: &str) -> Result<PgListener, sqlx::Error> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_lazy_with(options.clone());
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.ignore_pool_close_event(true);
    listener.listen(channel).await?;
    Ok(listener)
}
