//! 10 MB of `[` imports in bounded memory: the real binary, its peak RSS
//! read with getrusage. Alone in its test binary, so that no other test's
//! memory is counted with the child's.

use std::process::Command;

#[test]
fn ten_megabytes_of_brackets_import_in_bounded_memory_with_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("brackets.md");
    std::fs::write(&path, "[".repeat(10 << 20)).expect("written");
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck")).arg("import").arg(&path).output().expect("opsdeck runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("without a break was read in pieces"), "says it was cut:\n{}", &shown[..shown.len().min(2000)]);
    // SAFETY: getrusage fills the struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) }, 0);
    let peak_mb = usage.ru_maxrss / 1024;
    // Reading it whole took 693 MB; pieces of at most 512 KiB keep it near 50 MB (debug build).
    assert!(peak_mb < 200, "peak RSS {peak_mb} MB");
}
