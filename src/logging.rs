//! Diagnostics go to a log file, never to the screen (standard output
//! belongs to the console): `<state dir>/opsdeck.log`, level from
//! `--log-level`. Warnings and errors are counted so the status bar can say
//! that something was logged. Every line is written with this process's
//! secrets masked ([`Redacting`], over [`crate::secrets::installed`]), so
//! no log line can carry one, whoever logged it.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use color_eyre::eyre::{Result, WrapErr};
use tracing::{Event, Level, Subscriber};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

static WARNINGS: AtomicUsize = AtomicUsize::new(0);

/// Lines the log writer's queue holds before it drops new ones.
const LOG_QUEUE_LINES: usize = 2_000;

/// How many warnings and errors were logged since start.
pub fn warnings() -> usize {
    WARNINGS.load(Ordering::Relaxed)
}

struct CountWarnings;

impl<S: Subscriber> Layer<S> for CountWarnings {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if *event.metadata().level() <= Level::WARN {
            WARNINGS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The log file's path.
pub fn log_path() -> Option<PathBuf> {
    crate::paths::state_dir().map(|d| d.join("opsdeck.log"))
}

/// Starts logging to the file; keep the guard alive until exit so the last
/// lines are written.
pub fn init(level: &str) -> Result<Option<WorkerGuard>> {
    let Some(path) = log_path() else {
        return Ok(None);
    };
    let dir = path.parent().map(PathBuf::from).unwrap_or_default();
    std::fs::create_dir_all(&dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    // rustls-platform-verifier logs every refused certificate at ERROR, on
    // every poll; the check's own line (once per change) says it better.
    let filter = EnvFilter::try_new(format!("opsdeck={level},sqlx=error,rustls_platform_verifier=off,warn"))
        .wrap_err_with(|| format!("invalid --log-level {level:?}"))?;
    let file = tracing_appender::rolling::never(&dir, "opsdeck.log");
    // The writer's queue is allocated (and touched) in full up front: the
    // default 128,000 lines cost ~4 MB resident for a console that logs a
    // few lines a minute. A burst beyond this many lines is dropped, never
    // waited for (the console must not stall on its log).
    let (writer, guard) =
        tracing_appender::non_blocking::NonBlockingBuilder::default().buffered_lines_limit(LOG_QUEUE_LINES).lossy(true).finish(file);
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(Redacting::new(writer, crate::secrets::installed)).with_ansi(false))
        .with(CountWarnings)
        .try_init()
        .wrap_err("cannot start logging")?;
    Ok(Some(guard))
}

/// A writer maker whose writers mask secrets, as told by `secrets` at each
/// write (so a redactor installed after logging started is used from then
/// on). The fmt layer writes each event whole, in one `write_all`, so a
/// secret is never split between two writes.
pub struct Redacting<M> {
    inner: M,
    secrets: fn() -> &'static crate::secrets::Redactor,
}

impl<M> Redacting<M> {
    pub fn new(inner: M, secrets: fn() -> &'static crate::secrets::Redactor) -> Self {
        Redacting { inner, secrets }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter { inner: self.inner.make_writer(), secrets: self.secrets }
    }
}

/// One write's worth of [`Redacting`].
pub struct RedactingWriter<W> {
    inner: W,
    secrets: fn() -> &'static crate::secrets::Redactor,
}

impl<W: Write> Write for RedactingWriter<W> {
    /// Writes all of `buf`, masked (lossily decoded when it is not UTF-8).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        match (self.secrets)().redact(&text) {
            Cow::Borrowed(_) if matches!(text, Cow::Borrowed(_)) => self.inner.write_all(buf)?,
            redacted => self.inner.write_all(redacted.as_bytes())?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex, OnceLock};

    use super::*;
    use crate::secrets::Redactor;

    fn test_secrets() -> &'static Redactor {
        static R: OnceLock<Redactor> = OnceLock::new();
        R.get_or_init(|| Redactor::build(None, &[("API_TOKEN".into(), "tok-log-4242".into())]))
    }

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn log_lines_are_written_masked() {
        let sink = Sink::default();
        let make = Redacting::new(
            {
                let sink = sink.clone();
                move || sink.clone()
            },
            test_secrets,
        );
        let line = b"INFO check=cmd token tok-log-4242 via postgres://u:pw-123@db/x\n";
        assert_eq!(make.make_writer().write(line).unwrap(), line.len());
        make.make_writer().write_all(b"plain line\n").unwrap();
        let written = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(written, "INFO check=cmd token *** via postgres://u:***@db/x\nplain line\n");
    }
}
