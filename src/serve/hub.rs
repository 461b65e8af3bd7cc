//! The one prober of a serve process: probes the plan's checks once for
//! every session (records them for `triggers --replay`, and in a shared
//! room holds or follows the room's prober lease like a console would),
//! and tells every session's desk each sample and who probes. Sessions
//! subscribe to a bounded broadcast: a desk that falls behind skips to the
//! newest news instead of holding the prober back.
//!
//! Of the desks, one decides for the room (fires triggers, ticks verified
//! items, records states when it holds the lease) — the first operator
//! desk still open; the others judge the same samples but leave deciding
//! to it, so that nothing is recorded once per session.

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, watch};

use crate::adapters::journal::{Actor, Journal};
use crate::adapters::probe::ProbeEnv;
use crate::adapters::probe::schedule::{ProbeSet, Sample};
use crate::shell::app::probing::Probing;
use crate::shell::app::room_eyes::{EyesNews, RoomEyes};
use opsdeck_core::config::Plan;

/// What the prober tells the desks.
#[derive(Debug, Clone)]
pub enum HubNews {
    Sample(Sample),
    /// Who probes changed (the hub's view, before a desk's own share).
    Probing(Probing),
}

/// How many news a desk may fall behind before it skips ahead.
const BACKLOG: usize = 1024;

/// The running prober.
pub struct Hub {
    pub news: broadcast::Sender<HubNews>,
    /// Who probes, as the hub sees it now.
    pub probing: watch::Receiver<Probing>,
    /// Who the hub is in the room (the prober's name when it holds the lease).
    pub actor: Actor,
}

impl Hub {
    /// Starts probing `plan` for the room of `journal` (the serve's own).
    pub fn start(plan: Arc<Plan>, env: ProbeEnv, journal: Journal) -> Arc<Hub> {
        let (news, _) = broadcast::channel(BACKLOG);
        let mut eyes = RoomEyes::start(&plan, &journal);
        let (probing_tx, probing) = watch::channel(eyes.probing().clone());
        let hub = Arc::new(Hub { news: news.clone(), probing, actor: journal.actor().clone() });
        tokio::spawn(async move {
            let (tx, samples) = mpsc::channel(4096);
            let mut samples = crate::adapters::samples::record_through(samples, &plan, journal.room());
            let mut probes = ProbeSet::new(&plan.checks, &plan.defaults, &env, tx);
            probe_for(&mut probes, eyes.probing());
            loop {
                tokio::select! {
                    Some(sample) = samples.recv() => {
                        eyes.probed(&sample);
                        let _ = news.send(HubNews::Sample(sample));
                    }
                    heard = eyes.next() => match heard {
                        EyesNews::Probing(p) => {
                            probe_for(&mut probes, &p);
                            probing_tx.send_replace(p.clone());
                            let _ = news.send(HubNews::Probing(p));
                        }
                        EyesNews::Samples(batch) => {
                            for s in batch {
                                let _ = news.send(HubNews::Sample(s));
                            }
                        }
                    },
                    else => break,
                }
            }
        });
        hub
    }
}

/// Probes every check while the hub probes for the room, else only `local` ones.
fn probe_for(probes: &mut ProbeSet, probing: &Probing) {
    let all = probing.probes_room_checks();
    probes.probe_only(|check| all || check.local);
}

/// A desk's share of the hub's probing: the deciding desk takes it as it
/// is; the others judge without deciding (alone) or follow the deciding
/// desk's recorded judgments (holding the room's lease).
pub fn share(hub: &Probing, decides: bool, prober: &Actor) -> Probing {
    match hub {
        _ if decides => hub.clone(),
        Probing::Alone => Probing::Local { reason: "another session of this serve decides for the room".into() },
        Probing::ForRoom { since_ms } => Probing::Following { prober: prober.clone(), since_ms: *since_ms },
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_deciding_desk_decides() {
        let me = Actor { name: "serve".into(), host: "h".into(), from: None };
        assert!(share(&Probing::Alone, true, &me).decides());
        assert!(!share(&Probing::Alone, false, &me).decides());
        assert!(share(&Probing::Alone, false, &me).judges_here());
        let other = share(&Probing::ForRoom { since_ms: 1 }, false, &me);
        assert!(!other.records_states() && !other.decides());
    }
}
