//! The terminal's events (keys, resizes, pastes), read on a thread of
//! their own and handed to the console's loop through a channel.
//!
//! crossterm's `EventStream` polls its shared reader from the loop's task
//! each time the loop wakes, and spins (`sched_yield`) on the lock its own
//! reading thread holds meanwhile: over a hundred system calls a second in
//! an idle console, for no key at all. Here one thread waits on the
//! terminal and nothing else touches crossterm's reader. It waits at most
//! [`CHECK_EVERY`] at a time, so it notices the loop has gone and ends
//! rather than read what is typed to the shell once the console is over.

use std::io;
use std::time::Duration;

use crossterm::event::Event;
use tokio::sync::mpsc;

/// Longest the reading thread waits for the terminal before it checks
/// that someone still listens.
const CHECK_EVERY: Duration = Duration::from_millis(500);

/// Events the terminal sent, in order; an error ends them.
pub struct TerminalEvents {
    events: mpsc::Receiver<io::Result<Event>>,
}

impl TerminalEvents {
    /// Starts reading the terminal (raw mode is the caller's business).
    pub fn start() -> io::Result<TerminalEvents> {
        let (tx, events) = mpsc::channel(64);
        std::thread::Builder::new().name("terminal-events".into()).spawn(move || read_until_closed(&tx))?;
        Ok(TerminalEvents { events })
    }

    /// The next event; `None` once the reading thread has ended.
    pub async fn next(&mut self) -> Option<io::Result<Event>> {
        self.events.recv().await
    }
}

fn read_until_closed(tx: &mpsc::Sender<io::Result<Event>>) {
    while !tx.is_closed() {
        let event = match crossterm::event::poll(CHECK_EVERY) {
            Ok(false) => continue,
            Ok(true) => crossterm::event::read(),
            Err(e) => Err(e),
        };
        let failed = event.is_err();
        if tx.blocking_send(event).is_err() || failed {
            return;
        }
    }
}
