//! What a long-running console gives back to the machine (Linux, glibc):
//!
//! - **One malloc arena.** glibc gives threads that allocate their own
//!   arenas (the SQLite workers, the log writer): each keeps freed memory
//!   for itself. The console allocates little and mostly on one thread, so
//!   one arena costs nothing in speed and keeps the heap in one place.
//! - **Start-up pages of the binary.** Reading the plan, migrating the
//!   journal, setting up TLS and the terminal run once, but the kernel
//!   maps the binary's code around every page touched (read-ahead and
//!   fault-around), so most of a 20 MB text stays resident for good. Once
//!   the console has settled, its own read-only mappings of the binary are
//!   marked random-access (no read-ahead) and paged out; what the console
//!   goes on running comes back page by page, and the resident size is
//!   what it really uses. Only never-written mappings are touched (the
//!   code and the read-only data at the start of the file, never the
//!   relocated or writable ones), so nothing changes but residency.

use std::time::Duration;

/// How long after start the start-up pages are given back.
pub const SETTLE: Duration = Duration::from_secs(20);

/// Caps malloc at one arena. Call first thing, before any thread starts.
pub fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before other threads allocate.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// After [`SETTLE`], gives back the binary's start-up pages (see the module doc).
/// Errors (an old kernel, no /proc) leave everything as it was.
pub fn settle_later() {
    let spawned = std::thread::Builder::new().name("settle".into()).spawn(|| {
        std::thread::sleep(SETTLE);
        let given = give_back_startup_pages();
        tracing::debug!("gave back {} KiB of start-up pages of the binary", given / 1024);
    });
    if let Err(e) = spawned {
        tracing::debug!("not giving back start-up pages: {e}");
    }
}

/// The never-written mappings of our own executable: `(start, length)`.
#[cfg(target_os = "linux")]
fn own_read_only_mappings() -> Vec<(usize, usize)> {
    let Ok(exe) = std::fs::read_link("/proc/self/exe") else { return Vec::new() };
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return Vec::new() };
    let exe = exe.to_string_lossy().into_owned();
    maps.lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            let (range, perms, offset) = (f.next()?, f.next()?, f.next()?);
            let path = f.nth(2)?;
            // The code, and the read-only data at the file's start (never
            // written: relocations go to the RELRO mapping further on).
            let wanted = perms == "r-xp" || (perms == "r--p" && offset.trim_start_matches('0').is_empty());
            if path != exe || !wanted {
                return None;
            }
            let (start, end) = range.split_once('-')?;
            let (start, end) = (usize::from_str_radix(start, 16).ok()?, usize::from_str_radix(end, 16).ok()?);
            Some((start, end.checked_sub(start)?))
        })
        .collect()
}

/// Marks the mappings random-access and pages them out; returns the bytes covered.
fn give_back_startup_pages() -> usize {
    #[cfg(target_os = "linux")]
    {
        let mut given = 0;
        for (start, len) in own_read_only_mappings() {
            let addr = start as *mut libc::c_void;
            // SAFETY: the range is a mapping of our own binary that is never
            // written; MADV_RANDOM and MADV_PAGEOUT change only how its pages
            // are cached, never their contents (they are read back from the file).
            let ok = unsafe { libc::madvise(addr, len, libc::MADV_RANDOM) == 0 && libc::madvise(addr, len, libc::MADV_PAGEOUT) == 0 };
            if ok {
                given += len;
            }
        }
        given
    }
    #[cfg(not(target_os = "linux"))]
    0
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::own_read_only_mappings;

    #[test]
    fn finds_the_code_of_its_own_binary_and_nothing_writable() {
        let maps = own_read_only_mappings();
        assert!(!maps.is_empty(), "the test binary's code is mapped");
        let here = finds_the_code_of_its_own_binary_and_nothing_writable as usize;
        assert!(maps.iter().any(|(s, l)| (*s..s + l).contains(&here)), "this very function lies in one of them");
    }
}
