//! The ratatui backend of one SSH session: crossterm's escape sequences
//! written into a buffer the session's writer takes frame by frame, at the
//! size the client's window-change requests said (not this process's tty).

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// What the console drew and the size it draws at, shared between the
/// backend (inside the console's terminal) and the desk that ships frames.
#[derive(Debug, Default)]
pub struct Screen {
    bytes: Vec<u8>,
    size: Size,
}

/// The desk's handle on a [`Screen`].
#[derive(Debug, Clone, Default)]
pub struct ScreenHandle(Arc<Mutex<Screen>>);

impl ScreenHandle {
    pub fn new(cols: u16, rows: u16) -> ScreenHandle {
        ScreenHandle(Arc::new(Mutex::new(Screen { bytes: Vec::new(), size: Size::new(cols, rows) })))
    }

    /// The client's window changed.
    pub fn resize(&self, cols: u16, rows: u16) {
        if let Ok(mut s) = self.0.lock() {
            s.size = Size::new(cols.max(1), rows.max(1));
        }
    }

    /// A writer appending to what is drawn (the desk's frame brackets).
    pub fn writer(&self) -> ScreenWriter {
        ScreenWriter(self.clone())
    }

    /// Everything drawn since the last call.
    pub fn take(&self) -> Vec<u8> {
        self.0.lock().map(|mut s| std::mem::take(&mut s.bytes)).unwrap_or_default()
    }

    fn size(&self) -> Size {
        self.0.lock().map(|s| s.size).unwrap_or_default()
    }
}

/// Appends to the shared screen's bytes.
#[derive(Debug, Clone)]
pub struct ScreenWriter(ScreenHandle);

impl Write for ScreenWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut s = self.0.0.lock().map_err(|_| io::Error::other("screen lock poisoned"))?;
        s.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// crossterm's backend over a [`ScreenWriter`], sized by the client.
pub struct SshBackend {
    inner: CrosstermBackend<ScreenWriter>,
    screen: ScreenHandle,
}

impl SshBackend {
    pub fn new(screen: ScreenHandle) -> SshBackend {
        SshBackend { inner: CrosstermBackend::new(ScreenWriter(screen.clone())), screen }
    }
}

impl Backend for SshBackend {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    /// The cursor is wherever the last frame left it: nothing is asked of
    /// the client (its answer would arrive as a key).
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(Position::ORIGIN)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        Ok(self.screen.size())
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        Ok(WindowSize { columns_rows: self.screen.size(), pixels: Size::default() })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
