//! The room's rule for automatic ticks: when a checklist item's verifying
//! check may tick it, and the one idempotency key every console gives that
//! tick.
//!
//! An item may be ticked by its check only while it is open and, once
//! someone has undone it, only when the check came to hold after the
//! item's last `checklist.undone` (by event time): a check that still holds
//! from before the undo does not tick the item again, on any console. A
//! person can still tick it by hand.
//!
//! The key names the item and the undo the tick follows, both read from the
//! room's journal, so every console that ticks the item for the same reason
//! makes the same key and the store keeps one tick for the room (a retry,
//! a second console, or a replay of the offline spool adds nothing).

use super::progress::{ItemState, ItemStatus};

/// Whether the verifying check may tick `item` now: it is open, and it was
/// never undone or the check's current hold began after its last undo.
/// `holding_since` is when the check came to hold, as a transition this
/// console saw (`None` while it does not hold, or when it has held since
/// its first sample); the caller checks that it holds now.
pub fn may_tick(item: &ItemState, holding_since: Option<i64>) -> bool {
    if item.status != ItemStatus::Open {
        return false;
    }
    match item.undone {
        None => true,
        Some((_, undone_at)) => holding_since.is_some_and(|since| since > undone_at),
    }
}

/// The idempotency key of the automatic tick of item `id`: the same on
/// every console of the room for the same undo (`verify:ID:start` before
/// any).
pub fn tick_key(id: &str, item: &ItemState) -> String {
    match item.undone {
        None => format!("verify:{id}:start"),
        Some((seq, _)) => format!("verify:{id}:after-undo-{seq}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn undone_at(seq: i64, at_ms: i64) -> ItemState {
        ItemState { undone: Some((seq, at_ms)), ..ItemState::default() }
    }

    #[test]
    fn an_undone_item_waits_for_a_new_hold() {
        assert!(may_tick(&ItemState::default(), None), "never undone: a check holding from its first sample ticks it");
        let item = undone_at(7, 10_000);
        assert!(!may_tick(&item, None), "held since before the undo");
        assert!(!may_tick(&item, Some(9_000)), "came to hold before the undo");
        assert!(!may_tick(&item, Some(10_000)), "at the same moment is not after");
        assert!(may_tick(&item, Some(10_001)), "came to hold after the undo");
        let done = ItemState { status: ItemStatus::Done, ..undone_at(7, 10_000) };
        assert!(!may_tick(&done, Some(20_000)), "only open items");
    }

    #[test]
    fn the_key_follows_the_last_undo() {
        assert_eq!(tick_key("go/api", &ItemState::default()), "verify:go/api:start");
        assert_eq!(tick_key("go/api", &undone_at(7, 10_000)), "verify:go/api:after-undo-7");
        assert_ne!(tick_key("go/api", &undone_at(7, 10_000)), tick_key("go/api", &undone_at(9, 12_000)));
    }
}
