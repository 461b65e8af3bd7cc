//! Gives back the memory the console needed only to start. Parsing the
//! plan, migrating the journal, setting up TLS and the first frames touch
//! far more of the executable than a running console uses again: the
//! kernel maps those pages (and, by fault-around, their neighbours) and
//! keeps them in the process's resident set for as long as it runs. Once
//! the console is up, [`give_back_startup_pages`] unmaps the read-only and
//! executable segments of the executable (`MADV_DONTNEED`), so the resident
//! set becomes what the console goes on touching, and hands the heap's free
//! memory back to the system (`malloc_trim`).
//!
//! Unmapping alone gives back less than it seems: the page cache holds the
//! executable in large folios (tens to hundreds of KB on ext4 and XFS), and
//! a fault maps the whole folio around the page it needs, so a hot path
//! spread thinly over the text brings most of it back. So the segments are
//! also marked `MADV_RANDOM` (no read-ahead) and their now-unmapped pages
//! dropped from the page cache (`POSIX_FADV_DONTNEED`, which leaves pages
//! another process maps alone): each page is then read back on its own at
//! its next use, and only the pages the running console touches count.
//! The cost is a 4 KB read the first time a cold path runs, and a later
//! start of the same binary reading it from disk once more.
//!
//! This is safe for exactly those segments: they are private mappings of
//! the file that nothing writes (a position-independent executable carries
//! no text relocations; what the loader relocates is in the writable
//! segments, RELRO included, which are never touched here), so a dropped
//! page comes back from the page cache, byte for byte, at its next use.

/// What was given back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GivenBack {
    /// Bytes of the executable's read-only and executable segments unmapped.
    pub mapped: usize,
    /// Bytes of those segments' file range dropped from the page cache, so
    /// that they come back a page at a time.
    pub uncached: usize,
    /// Whether the allocator returned memory to the system.
    pub heap_trimmed: bool,
}

/// Unmaps the executable's read-only and executable segments and trims
/// the heap (Linux with glibc; elsewhere it does nothing).
pub fn give_back_startup_pages() -> GivenBack {
    imp::give_back()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    use super::GivenBack;

    /// One read-only segment of the executable, page-aligned inward: its
    /// address range and where that range starts in the file.
    #[derive(Debug, Clone, Copy)]
    struct Segment {
        start: usize,
        end: usize,
        file_offset: u64,
    }

    /// The main executable's PT_LOAD segments that are neither writable nor
    /// inside its RELRO range.
    fn read_only_segments() -> Vec<Segment> {
        struct Found {
            seen_first: bool,
            ranges: Vec<Segment>,
        }
        unsafe extern "C" fn each(info: *mut libc::dl_phdr_info, _size: libc::size_t, data: *mut libc::c_void) -> libc::c_int {
            // SAFETY: `data` is the `Found` passed below, alive for the call;
            // `info` and its program headers are valid for the callback.
            let found = unsafe { &mut *data.cast::<Found>() };
            if found.seen_first {
                return 1;
            }
            found.seen_first = true;
            let info = unsafe { &*info };
            let headers = unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) };
            let base = info.dlpi_addr as usize;
            let page = page_size();
            let relro: Vec<(usize, usize)> = headers
                .iter()
                .filter(|h| h.p_type == libc::PT_GNU_RELRO)
                .map(|h| (base + h.p_vaddr as usize, base + (h.p_vaddr + h.p_memsz) as usize))
                .collect();
            for h in headers.iter().filter(|h| h.p_type == libc::PT_LOAD && h.p_flags & libc::PF_W == 0) {
                let start = (base + h.p_vaddr as usize).next_multiple_of(page);
                let end = (base + h.p_vaddr as usize + h.p_filesz as usize) / page * page;
                let overlaps_relro = relro.iter().any(|&(a, b)| start < b && a < end);
                if end > start && !overlaps_relro {
                    let file_offset = h.p_offset + (start - (base + h.p_vaddr as usize)) as u64;
                    found.ranges.push(Segment { start, end, file_offset });
                }
            }
            1
        }
        let mut found = Found { seen_first: false, ranges: Vec::new() };
        // SAFETY: the callback only reads what the loader hands it and
        // writes to `found`, which outlives the call.
        unsafe { libc::dl_iterate_phdr(Some(each), (&raw mut found).cast()) };
        found.ranges
    }

    fn page_size() -> usize {
        // SAFETY: sysconf has no preconditions.
        usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096).max(1)
    }

    pub(super) fn give_back() -> GivenBack {
        let mut given = GivenBack::default();
        // The running executable, even if its path was replaced since.
        let file = std::fs::File::open("/proc/self/exe").ok();
        for Segment { start, end, file_offset } in read_only_segments() {
            let (addr, len) = (start as *mut libc::c_void, end - start);
            // SAFETY: the range is a read-only private file mapping of this
            // executable (see the module doc): advice changes no byte of
            // it, and its pages are re-read from the file at their next
            // use, unchanged.
            let done = unsafe {
                libc::madvise(addr, len, libc::MADV_RANDOM);
                libc::madvise(addr, len, libc::MADV_DONTNEED)
            };
            if done != 0 {
                continue;
            }
            given.mapped += len;
            if let (Some(file), Ok(offset), Ok(len)) = (&file, libc::off_t::try_from(file_offset), libc::off_t::try_from(len)) {
                use std::os::fd::AsRawFd;
                // SAFETY: advice on an open descriptor; it only drops clean
                // cached pages that no process maps.
                if unsafe { libc::posix_fadvise(file.as_raw_fd(), offset, len, libc::POSIX_FADV_DONTNEED) } == 0 {
                    given.uncached += usize::try_from(len).unwrap_or(0);
                }
            }
        }
        // SAFETY: malloc_trim has no preconditions.
        given.heap_trimmed = unsafe { libc::malloc_trim(0) } == 1;
        given
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn finds_the_text_and_leaves_the_writable_segments() {
            let ranges: Vec<(usize, usize)> = super::read_only_segments().iter().map(|s| (s.start, s.end)).collect();
            let here = finds_the_text_and_leaves_the_writable_segments as *const () as usize;
            assert!(ranges.iter().any(|&(a, b)| a <= here && here < b), "this function's code is in a read-only segment: {ranges:x?}");
            static mut WRITABLE: u64 = 1;
            let data = (&raw const WRITABLE) as usize;
            assert!(!ranges.iter().any(|&(a, b)| a <= data && data < b), "writable data is never given back");
        }

        #[test]
        fn code_runs_the_same_after_its_pages_are_given_back() {
            let before: u64 = (1..=1000u64).map(|x| x * x % 7).sum();
            let given = super::give_back();
            assert!(given.mapped > 0, "some pages were given back");
            assert_eq!(given.uncached, given.mapped, "and dropped from the page cache: {given:?}");
            let after: u64 = (1..=1000u64).map(|x| x * x % 7).sum();
            assert_eq!(before, after);
            static TABLE: [u32; 4] = [3, 1, 4, 1];
            assert_eq!(std::hint::black_box(&TABLE).iter().sum::<u32>(), 9, "read-only data reads back unchanged");
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod imp {
    pub(super) fn give_back() -> super::GivenBack {
        super::GivenBack::default()
    }
}
