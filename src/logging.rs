//! Diagnostics go to a log file, never to the screen (standard output
//! belongs to the console): `<state dir>/opsdeck.log`, level from
//! `--log-level`. Warnings and errors are counted so the status bar can say
//! that something was logged.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use color_eyre::eyre::{Result, WrapErr};
use tracing::{Event, Level, Subscriber};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

static WARNINGS: AtomicUsize = AtomicUsize::new(0);

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
    let (writer, guard) = tracing_appender::non_blocking(file);
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(false))
        .with(CountWarnings)
        .try_init()
        .wrap_err("cannot start logging")?;
    Ok(Some(guard))
}
