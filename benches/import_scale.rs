//! Importer scale: time and peak memory for documents at the limits the
//! faults issue names — 20,000 identical `- [ ] Verify` items against
//! 20,000 unique ones (ids are handed out in linear time: the ratio stays
//! near 1), 200,000 items in a ~10 MB file, and 10 MB of `[` (memory is
//! bounded by the parser's piece, not the document).
//! Run: cargo bench --bench import_scale
//! Each case runs in a child process of this bench so that its peak RSS
//! (getrusage of the child) is its own.

use std::process::Command;
use std::time::Instant;

fn document(case: &str) -> String {
    match case {
        "identical-20k" => format!("# Launch\n\n{}", "- [ ] Verify\n".repeat(20_000)),
        "unique-20k" => format!("# Launch\n\n{}", (0..20_000).map(|i| format!("- [ ] Verify {i}\n")).collect::<String>()),
        "items-200k-10mb" => {
            let mut doc = String::from("# Launch\n\n");
            for phase in 0..40 {
                doc.push_str(&format!("## Phase {phase}\n\n"));
                for i in 0..5_000 {
                    doc.push_str(&format!("- [ ] Check that service {} answers its health endpoint {i}\n", i % 50));
                }
            }
            doc
        }
        "brackets-10mb" => "[".repeat(10 << 20),
        other => panic!("unknown case {other}"),
    }
}

/// In the child: import the case once and print seconds and item count.
fn run_case(case: &str) {
    let doc = document(case);
    let started = Instant::now();
    let imported = opsdeck_core::import::import(&doc);
    let secs = started.elapsed().as_secs_f64();
    let items: usize = imported.phases.iter().map(|p| p.items.len()).sum();
    println!("{secs} {items} {}", doc.len());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--case") {
        run_case(&args[i + 1]);
        return;
    }
    let me = std::env::current_exe().expect("the bench binary");
    let mut seconds = std::collections::HashMap::new();
    println!("{:<18} {:>10} {:>9} {:>10} {:>11}", "case", "bytes", "items", "seconds", "peak RSS");
    for case in ["unique-20k", "identical-20k", "items-200k-10mb", "brackets-10mb"] {
        let out = Command::new(&me).args(["--case", case]).output().expect("the case runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut f = text.split_whitespace();
        let (secs, items, bytes): (f64, usize, usize) = (
            f.next().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN),
            f.next().and_then(|s| s.parse().ok()).unwrap_or(0),
            f.next().and_then(|s| s.parse().ok()).unwrap_or(0),
        );
        let rss_mb = child_peak_rss_kb() as f64 / 1024.0;
        println!("{case:<18} {bytes:>10} {items:>9} {secs:>10.3} {rss_mb:>8.1} MB");
        seconds.insert(case, secs);
    }
    println!("identical/unique time ratio: {:.2}", seconds["identical-20k"] / seconds["unique-20k"]);
}

/// The largest peak RSS among the children waited for so far (KiB); each
/// case is bigger than the one before, so it is the last case's.
fn child_peak_rss_kb() -> i64 {
    // SAFETY: getrusage fills the struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss
}
