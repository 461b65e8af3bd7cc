//! The PostgreSQL subscriber: a task holding one `LISTEN` connection for a
//! room's channel, turning notifications into [`Wake`]s and sending
//! [`Wake::Resync`] after every (re)connect, since notifications sent while
//! it was disconnected are gone. Reconnects forever, with backoff, until
//! the receiver is dropped.
//!
//! The same connection hears the room's sample notifications (payload
//! [`SAMPLES_PAYLOAD`], from `adapters::prober::room_samples`): they are
//! [`Wake::Samples`], which pokes the room's samples wake (see
//! `PgStore::samples_wake`) and never reaches the journal's subscriber, for
//! whom there is nothing to sync (and a stream of them must not crowd event
//! wakes out of its channel). Every (re)connect pokes it too.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio::sync::{mpsc, watch};

use super::pg_connection::Link;
use super::store::{Wake, signal};

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The payload of a notification that the room's samples table was written.
pub(crate) const SAMPLES_PAYLOAD: &str = "s";

/// Starts listening on `channel`; see [`Wake`] for what the receiver gets.
/// Sample notifications poke `samples` instead.
/// It connects as the store does (`link`: the same TLS, the same watch).
pub(crate) fn spawn(link: Arc<Link>, channel: String, samples: watch::Sender<()>) -> mpsc::Receiver<Wake> {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(run(link, channel, tx, samples));
    rx
}

/// What a notification's payload means: the seq of an appended event,
/// samples written, or (anything else) unknown, so read everything.
fn wake_of(payload: &str) -> Wake {
    if payload == SAMPLES_PAYLOAD {
        return Wake::Samples;
    }
    match payload.parse() {
        Ok(seq) => Wake::Appended { seq },
        Err(_) => Wake::Resync,
    }
}

async fn run(link: Arc<Link>, channel: String, tx: mpsc::Sender<Wake>, samples: watch::Sender<()>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        match listen(&link, &channel).await {
            Ok(mut listener) => {
                backoff = FIRST_BACKOFF;
                // LISTEN is active before this wake, so nothing committed
                // after the consumer's resync read can be missed.
                samples.send_replace(());
                if !signal(&tx, Wake::Resync) {
                    return;
                }
                loop {
                    let received = tokio::select! {
                        () = tx.closed() => return,
                        r = listener.try_recv() => r,
                    };
                    let wake = match received {
                        Ok(Some(n)) => wake_of(n.payload()),
                        // The connection dropped and sqlx re-listened: anything
                        // sent meanwhile is lost, so resync (the samples too).
                        Ok(None) => {
                            samples.send_replace(());
                            Wake::Resync
                        }
                        Err(err) => {
                            tracing::debug!("journal listener on {channel}: {err}");
                            break;
                        }
                    };
                    let alive = match wake {
                        Wake::Samples => {
                            samples.send_replace(());
                            true
                        }
                        Wake::Resync | Wake::Appended { .. } => signal(&tx, wake),
                    };
                    if !alive {
                        return;
                    }
                }
            }
            Err(err) => tracing::debug!("journal listener on {channel}: connecting: {:#}", link.explain(err)),
        }
        tokio::select! {
            () = tx.closed() => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn listen(link: &Link, channel: &str) -> Result<PgListener, sqlx::Error> {
    let pool = link
        .plaintext
        .hook(PgPoolOptions::new())
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_lazy_with(link.options.clone());
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.ignore_pool_close_event(true);
    listener.listen(channel).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_event_seqs_samples_or_unknown() {
        assert_eq!(wake_of("42"), Wake::Appended { seq: 42 });
        assert_eq!(wake_of(SAMPLES_PAYLOAD), Wake::Samples);
        assert_eq!(wake_of("garbage"), Wake::Resync);
        assert_eq!(wake_of(""), Wake::Resync);
    }
}
