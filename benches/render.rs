//! Render time of one full frame of the metrics pane (50 checks, 120x40)
//! and of the checklist pane (200 items in 10 phases, half of them done),
//! and the engine's ingest rate (samples applied per second).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use opsdeck::adapters::probe::Reading;
use opsdeck::adapters::probe::schedule::Sample;
use opsdeck::shell::keymap::KeymapLoader;
use opsdeck::shell::theme::ThemeLoader;
use opsdeck::shell::ui::{self, View};
use opsdeck_core::metrics::board::Board;
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

fn checklist_frame(c: &mut Criterion) {
    use opsdeck::adapters::journal::{Actor, Body, NewEvent};
    use opsdeck::shell::action::Action;
    use opsdeck_core::launch::{ChecklistDef, ItemDef, Launch, PhaseDef};
    let phases = (0..10)
        .map(|p| PhaseDef {
            title: format!("Phase {p}"),
            depth: 0,
            items: (0..20)
                .map(|i| ItemDef {
                    id: format!("go/{p}-{i}"),
                    text: format!("Item {i} of phase {p}, written as a sentence"),
                    verify: None,
                    details: Vec::new(),
                })
                .collect(),
        })
        .collect();
    let launch = Launch { checklists: vec![ChecklistDef { id: "go".into(), title: "Go-live".into(), phases }], ..Launch::default() };
    let mut state = support::state(50).with_launch(launch);
    let alice = Actor { name: "alice".into(), host: "bastion-1".into(), from: None };
    let ids: Vec<String> = state.launch().defs().items().map(|i| i.id.clone()).step_by(2).collect();
    for (n, item) in ids.into_iter().enumerate() {
        let body = Body::ChecklistTicked { item, text: String::new(), evidence: None };
        state.apply_event(NewEvent::new("bench", &alice, support::T0, &body).stored(n as i64 + 1));
    }
    state.update(Action::ViewChecklist);
    let theme = ThemeLoader::new(None, ".".into()).load("dark").expect("theme").0;
    let keymap = KeymapLoader { user_dir: None, personal: None, base_dir: ".".into() }.load("default").expect("keymap");
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    c.bench_function("checklist pane frame, 200 items, 120x40", |b| {
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

criterion_group!(benches, frame, checklist_frame, ingest);
criterion_main!(benches);
