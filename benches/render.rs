//! Render time of one full frame of the metrics pane (50 checks, 120x40),
//! and the engine's ingest rate (samples applied per second).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use opsdeck::keymap::KeymapLoader;
use opsdeck::metrics::board::Board;
use opsdeck::probe::Reading;
use opsdeck::probe::schedule::Sample;
use opsdeck::theme::ThemeLoader;
use opsdeck::ui::{self, View};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[path = "support.rs"]
mod support;

fn frame(c: &mut Criterion) {
    let state = support::state(50);
    let theme = ThemeLoader::new(None, ".".into()).load("dark").expect("theme").0;
    let keymap = KeymapLoader { user_dir: None, personal: None, base_dir: ".".into() }.load("default").expect("keymap");
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    c.bench_function("metrics pane frame, 50 checks, 120x40", |b| {
        b.iter(|| {
            let view = View { state: &state, theme: &theme, keymap: &keymap, ascii: false };
            terminal
                .draw(|f| {
                    ui::render(f, &view);
                })
                .expect("draw");
        })
    });
}

fn ingest(c: &mut Criterion) {
    let plan = support::plan(50, "http://127.0.0.1:1/", "5s");
    let samples: Vec<Sample> = (0..10_000)
        .map(|k| Sample {
            check: k % 50,
            at_ms: support::T0 + k as i64 * 100,
            latency_ms: 2.0,
            result: Ok(Reading::new().with("latency_ms", 100.0 + (k % 700) as f64)),
        })
        .collect();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(samples.len() as u64));
    group.bench_function("ingest 10k samples into 50 checks", |b| {
        b.iter(|| {
            let mut board = Board::from_plan(&plan);
            for s in &samples {
                board.apply(s);
            }
            board
        })
    });
    group.finish();
}

criterion_group!(benches, frame, ingest);
criterion_main!(benches);
