//! What a panic does, wherever it happens (the console loop, a probe task,
//! a journal task): the terminal is given back, the panic and its backtrace
//! go to the log file, standard error gets one readable line naming the
//! log, and the process exits with [`PANIC_EXIT`]. A panic in a background
//! task must not leave a console drawing on the normal screen with nothing
//! left to answer its keys.
//!
//! Exiting at once is safe for the journal: an event is shown as done only
//! once the store (or the local spool) committed it, and what is still in
//! flight was never shown as done.
//!
//! [`install`] once at start; the console marks the time it owns the
//! terminal with [`TerminalInUse`], so a panic in `opsdeck status` does not
//! write terminal escapes into its output.

use std::io::Write;
use std::panic::PanicHookInfo;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The exit code after a panic (the one Rust itself uses).
pub const PANIC_EXIT: i32 = 101;

static TERMINAL_IN_USE: AtomicBool = AtomicBool::new(false);
static CRASHING: AtomicBool = AtomicBool::new(false);
/// Held while the console writes a frame: a panic on another thread gives
/// the terminal back between frames, never in the middle of one, and no
/// frame follows (a frame hides the cursor the restore has just shown).
static FRAME: Mutex<()> = Mutex::new(());

/// Leave to write a frame: `None` once a panic is giving the terminal back.
pub fn frame_turn() -> Option<MutexGuard<'static, ()>> {
    if CRASHING.load(Ordering::SeqCst) {
        return None;
    }
    let turn = FRAME.lock().unwrap_or_else(PoisonError::into_inner);
    (!CRASHING.load(Ordering::SeqCst)).then_some(turn)
}

/// While alive, the console owns the terminal (raw mode, alternate screen):
/// a panic restores it. Dropping it restores the terminal too.
pub struct TerminalInUse(());

impl TerminalInUse {
    pub fn claim() -> TerminalInUse {
        TERMINAL_IN_USE.store(true, Ordering::SeqCst);
        TerminalInUse(())
    }
}

impl Drop for TerminalInUse {
    fn drop(&mut self) {
        if TERMINAL_IN_USE.swap(false, Ordering::SeqCst) {
            restore_terminal();
        }
    }
}

/// Gives the terminal back: cooked mode, the main screen, the cursor shown,
/// any synchronized update ended. Errors are ignored: after a SIGHUP there
/// is no terminal left to write to, and nothing else can be done anyway.
pub fn restore_terminal() {
    use crossterm::{cursor, terminal};
    let _ = terminal::disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(
        out,
        terminal::EndSynchronizedUpdate,
        crossterm::style::SetAttribute(crossterm::style::Attribute::Reset),
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}

/// Replaces the panic hook for the whole process.
pub fn install() {
    std::panic::set_hook(Box::new(on_panic));
}

fn on_panic(info: &PanicHookInfo<'_>) {
    // A second panic (another task, or one while handling this) waits for
    // the first to finish the exit.
    if CRASHING.swap(true, Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
    // Wait for a frame being written to end (briefly: the frame may be
    // this thread's own, panicking mid-draw).
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(250);
    let _frame = loop {
        match FRAME.try_lock() {
            Ok(turn) => break Some(turn),
            Err(std::sync::TryLockError::Poisoned(p)) => break Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Err(std::sync::TryLockError::WouldBlock) => break None,
        }
    };
    if TERMINAL_IN_USE.swap(false, Ordering::SeqCst) {
        restore_terminal();
    }
    // A panic message can quote a value it was handed: mask secrets first.
    let what = crate::secrets::installed().redact(&summary(info)).into_owned();
    let thread = std::thread::current().name().unwrap_or("unnamed").to_string();
    let backtrace = std::backtrace::Backtrace::force_capture();
    let logged = crate::logging::log_path().and_then(|path| {
        let line = format!("{} PANIC in thread {thread}: {what}\n{backtrace}\n", jiff::Timestamp::now());
        append(&path, &line).ok().map(|()| path)
    });
    let mut err = std::io::stderr().lock();
    let _ = match logged {
        Some(path) => writeln!(err, "opsdeck: internal error, stopped: {what}; the details are in {}", path.display()),
        None => writeln!(err, "opsdeck: internal error, stopped: {what}\n{backtrace}"),
    };
    let _ = err.flush();
    std::process::exit(PANIC_EXIT);
}

/// "MESSAGE at FILE:LINE", the message cut to one short line.
fn summary(info: &PanicHookInfo<'_>) -> String {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    let mut one_line: String = message.lines().next().unwrap_or_default().chars().take(200).collect();
    if let Some(at) = info.location() {
        one_line.push_str(&format!(" (at {}:{})", at.file(), at.line()));
    }
    one_line
}

fn append(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}
