//! The samples recorder against a real SQLite file in a temporary
//! directory: batched writes, pruning of samples older than the retention,
//! reading back in time order.

use std::time::Duration;

use opsdeck::adapters::probe::schedule::Sample;
use opsdeck::adapters::probe::{ProbeError, Reading};
use opsdeck::adapters::samples::{Outcome, Recorder, RecorderConfig, SampleDb};

const HOUR: i64 = 3_600_000;
const NOW: i64 = 1_750_000_000_000;

fn sample(check: usize, at_ms: i64, latency: Option<f64>) -> Sample {
    let result = match latency {
        Some(v) => Ok(Reading::new().with("latency_ms", v).with("status", 200.0)),
        None => Err(ProbeError::target_failed("HTTP 503")),
    };
    Sample { check, at_ms, latency_ms: 4.5, result }
}

#[tokio::test]
async fn records_in_batches_prunes_the_old_and_reads_back_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state").join("samples-room.db");
    let config = RecorderConfig { prune_every: 10, flush_every: Duration::from_millis(50), ..RecorderConfig::default() };
    let (recorder, writer) = Recorder::spawn(path.clone(), vec!["api".into(), "db".into()], config);
    // Two hours ago (pruned), then the last ten minutes, slightly out of order.
    for i in 0..5 {
        recorder.record(&sample(0, NOW - 2 * HOUR + i, Some(1.0)));
    }
    for i in (0..600).rev() {
        recorder.record(&sample(i % 2, NOW - i as i64 * 1000, if i % 7 == 0 { None } else { Some(100.0 + i as f64) }));
    }
    recorder.record(&sample(9, NOW, Some(1.0))); // no such check: ignored
    assert_eq!(recorder.dropped(), 0);
    drop(recorder);
    tokio::time::timeout(Duration::from_secs(30), writer).await.expect("the writer finishes").unwrap();

    let db = SampleDb::open_existing(&path).await.unwrap().expect("the file exists");
    assert_eq!(db.count().await.unwrap(), 600, "the two-hour-old samples were pruned");
    let back = db.read_since(NOW - HOUR).await.unwrap();
    assert_eq!(back.len(), 600);
    assert!(back.windows(2).all(|w| w[0].at_ms <= w[1].at_ms), "time order");
    let first = &back[0];
    assert_eq!((first.check.as_str(), first.at_ms), ("db", NOW - 599_000));
    assert_eq!(first.outcome, Outcome::Reading(vec![("latency_ms".into(), 699.0), ("status".into(), 200.0)]));
    let failed = back.iter().find(|s| s.at_ms == NOW - 7_000).unwrap();
    assert_eq!((failed.check.as_str(), &failed.outcome), ("db", &Outcome::Failed { reason: "HTTP 503".into(), answered: true }));
    assert_eq!(db.read_since(NOW - 10_000).await.unwrap().len(), 11);
}

#[tokio::test]
async fn a_missing_file_reads_as_none_and_prune_counts() {
    let dir = tempfile::tempdir().unwrap();
    assert!(SampleDb::open_existing(&dir.path().join("none.db")).await.unwrap().is_none());
    let db = SampleDb::open(&dir.path().join("s.db")).await.unwrap();
    let rec = |at| opsdeck::adapters::samples::RecordedSample {
        check: "api".into(),
        at_ms: at,
        latency_ms: 1.0,
        outcome: Outcome::Reading(vec![]),
    };
    db.insert(&[rec(1), rec(2), rec(3)]).await.unwrap();
    assert_eq!(db.prune_before(3).await.unwrap(), 2);
    assert_eq!(db.read_since(0).await.unwrap().len(), 1);
}
