//! The importer on documents far past any real deployment doc: a large one
//! is read in pieces yet imports exactly as its parts do, and repeated item
//! text gets distinct ids in order (memory: tests/import_memory.rs; time is
//! measured by `cargo bench --bench import_scale`, not here).

fn phase(n: usize, items: usize) -> String {
    let mut doc = format!("## Phase {n}\n\n");
    for i in 0..items {
        doc.push_str(&format!("- [ ] Check that service {} answers its health endpoint\n", i % 7));
    }
    doc.push('\n');
    doc
}

#[test]
fn a_document_read_in_pieces_imports_as_its_phases_do_alone() {
    let phases: Vec<String> = (0..12).map(|n| phase(n, 3_000)).collect();
    let whole = format!("# Launch\n\n{}", phases.concat());
    assert!(whole.len() > 1 << 20, "large enough to be read in pieces: {} bytes", whole.len());
    let big = opsdeck_core::import::import(&whole);
    assert!(big.warnings.is_empty(), "{:?}", &big.warnings[..big.warnings.len().min(3)]);
    assert_eq!(big.phases.iter().map(|p| p.items.len()).sum::<usize>(), 36_000);
    for (n, text) in phases.iter().enumerate() {
        let alone = opsdeck_core::import::import(&format!("# Launch\n\n{text}"));
        let ids = |p: &opsdeck_core::import::Phase| p.items.iter().map(|i| (i.id.clone(), i.text.clone())).collect::<Vec<_>>();
        let big_phase = big.phases.iter().find(|p| p.path.last().is_some_and(|l| l == &format!("Phase {n}"))).expect("the phase");
        let alone_phase = alone.phases.iter().find(|p| !p.items.is_empty()).expect("the phase alone");
        assert_eq!(ids(big_phase), ids(alone_phase), "phase {n}");
    }
}

#[test]
fn repeated_item_text_gets_distinct_ids_in_order() {
    let doc = format!("# Launch\n\n{}", "- [ ] Verify\n".repeat(20_000));
    let imported = opsdeck_core::import::import(&doc);
    let items = &imported.phases.iter().find(|p| !p.items.is_empty()).expect("a phase").items;
    assert_eq!(items.len(), 20_000);
    let first = items[0].id.clone();
    assert_eq!(items[1].id, format!("{first}-2"));
    assert_eq!(items[19_999].id, format!("{first}-20000"));
    let distinct: std::collections::HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(distinct.len(), 20_000);
}
