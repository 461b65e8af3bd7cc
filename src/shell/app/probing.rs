//! Whose eyes this console shows: its own probes, or the room's one prober.
//!
//! In a shared (PostgreSQL) room one console holds the prober lease: it
//! probes every check that is not `local`, judges the bands and records
//! each state change in the room, and decides the triggers. The others
//! follow: they show the room's samples and the states the prober
//! recorded, and probe only their `local` checks. Alone (SQLite) the
//! console is its own prober; a console that cannot reach the room's store
//! probes and judges for itself until it can.

use crate::adapters::journal::Actor;

/// Who probes and judges for this console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probing {
    /// The only console of its journal (SQLite): it probes and judges.
    Alone,
    /// Joined a shared room and has not yet heard who probes for it: it
    /// probes nothing but its `local` checks meanwhile.
    Asking,
    /// This console holds the room's prober lease (since `since_ms`): it
    /// probes, judges and decides for the room.
    ForRoom { since_ms: i64 },
    /// `prober` holds the lease: this console shows the room's samples and
    /// states.
    Following { prober: Actor, since_ms: i64 },
    /// The room cannot tell (its store is away, or this role may not probe
    /// for it and nobody does): this console probes and judges for itself,
    /// and records no judgment for the room.
    Local { reason: String },
}

impl Probing {
    /// Whether this console's own evaluation decides what its rows show
    /// (false: the room's judge does).
    pub fn judges_here(&self) -> bool {
        match self {
            Probing::Alone | Probing::ForRoom { .. } | Probing::Local { .. } => true,
            Probing::Asking | Probing::Following { .. } => false,
        }
    }

    /// Whether this console probes the checks that are not `local`.
    pub fn probes_room_checks(&self) -> bool {
        self.judges_here()
    }

    /// Whether this console decides for the room: trigger firings,
    /// proposals' expiries and countdowns, verification ticks.
    pub fn decides(&self) -> bool {
        matches!(self, Probing::Alone | Probing::ForRoom { .. })
    }

    /// Whether this console records its checks' state changes in the room
    /// (only the lease holder of a shared room: alone, nobody else reads them).
    pub fn records_states(&self) -> bool {
        matches!(self, Probing::ForRoom { .. })
    }

    /// The status bar's words (`probing: alice@bastion-1`); `None` alone.
    pub fn label(&self, me: &Actor) -> Option<String> {
        match self {
            Probing::Alone => None,
            Probing::Asking => Some("probing: asking the room".into()),
            Probing::ForRoom { .. } => Some(format!("probing: {} (this console)", short(me))),
            Probing::Following { prober, .. } => Some(format!("probing: {}", short(prober))),
            Probing::Local { .. } => Some("probing: here, local readings".into()),
        }
    }
}

/// `name@host`, without where the person connected from.
fn short(a: &Actor) -> String {
    format!("{}@{}", a.name, a.host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Actor {
        Actor { name: "alice".into(), host: "bastion-1".into(), from: Some("10.0.0.5".into()) }
    }

    #[test]
    fn only_the_lease_holder_records_and_followers_judge_nothing() {
        let me = Actor { name: "bob".into(), host: "laptop".into(), from: None };
        let following = Probing::Following { prober: alice(), since_ms: 1 };
        assert_eq!(following.label(&me).as_deref(), Some("probing: alice@bastion-1"));
        assert!(!following.judges_here() && !following.decides() && !following.records_states());
        let here = Probing::ForRoom { since_ms: 1 };
        assert_eq!(here.label(&me).as_deref(), Some("probing: bob@laptop (this console)"));
        assert!(here.judges_here() && here.decides() && here.records_states());
        assert!(Probing::Alone.decides() && !Probing::Alone.records_states());
        assert_eq!(Probing::Alone.label(&me), None);
        let local = Probing::Local { reason: "store away".into() };
        assert!(local.judges_here() && local.probes_room_checks() && !local.decides());
        assert!(!Probing::Asking.probes_room_checks());
    }
}
