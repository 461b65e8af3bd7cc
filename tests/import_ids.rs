//! Id stability: re-importing an edited document keeps the ids of unchanged items.

use opsdeck_core::import::{Imported, import};

const DOC: &str = "\
## Launch day

- [ ] Freeze deploys at noon
- [ ] Warm the caches
- [ ] Announce the launch in #general

### Database

- [ ] Snapshot the orders table
1. Run the migration
2. Check the row counts

```sh {name=vacuum}
vacuumdb --analyze orders
```
";

fn ids(doc: &Imported) -> Vec<(String, String)> {
    doc.phases
        .iter()
        .flat_map(|p| p.items.iter().map(|i| (i.text.clone(), i.id.clone())).chain(p.steps.iter().map(|s| (s.text.clone(), s.id.clone()))))
        .collect()
}

#[test]
fn editing_one_item_keeps_the_other_ids() {
    let before = ids(&import(DOC));
    let after = ids(&import(&DOC.replace("Warm the caches", "Warm the CDN and app caches")));
    assert_eq!(before.len(), 7);
    assert_eq!(after.len(), 7);
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        if i == 1 {
            assert_ne!(b.1, a.1, "the edited item gets a new id");
        } else {
            assert_eq!(b, a, "unchanged item {i} keeps its id");
        }
    }
    assert_eq!(after[6].1, "vacuum");
}

#[test]
fn cosmetic_edits_keep_ids() {
    let before = ids(&import(DOC));
    let edited =
        DOC.replace("- [ ] Freeze deploys at noon", "- [x]   freeze  DEPLOYS at noon.").replace("## Launch day", "##   Launch   day");
    let after = ids(&import(&edited));
    let before_ids: Vec<&String> = before.iter().map(|(_, id)| id).collect();
    let after_ids: Vec<&String> = after.iter().map(|(_, id)| id).collect();
    assert_eq!(before_ids, after_ids);
}

#[test]
fn inserting_items_and_moving_phases_keeps_ids() {
    let before = ids(&import(DOC));
    let edited = format!(
        "## Prep\n\n- [ ] A new first item\n\n{}",
        DOC.replace("- [ ] Warm the caches\n", "- [ ] Warm the caches\n- [ ] Inserted item\n")
    );
    let after = ids(&import(&edited));
    for (text, id) in &before {
        assert!(after.iter().any(|(t, i)| t == text && i == id), "{text} lost its id {id}");
    }
}

#[test]
fn the_same_text_in_two_phases_gets_two_ids() {
    let doc = import("## A\n- [ ] Check logs\n## B\n- [ ] Check logs\n- [ ] Check logs\n");
    let all: Vec<String> = ids(&doc).into_iter().map(|(_, id)| id).collect();
    assert_eq!(all.len(), 3);
    assert_ne!(all[0], all[1]);
    assert_eq!(all[2], format!("{}-2", all[1]));
}
