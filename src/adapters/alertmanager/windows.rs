//! The plan's `[[maintenance]]` windows as Alertmanager silences, once per
//! room: for each target with `silence_matchers` of a window that has not
//! ended, a silence from the window's start to its end, found again by its
//! marker. Run once when the console starts; while Alertmanager cannot be
//! reached it tries again every [`RETRY`], recording the first failure of
//! each window (not one per try).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::outlet::{Outcome, Outlet};
use crate::adapters::probe::schedule::now_ms;
use opsdeck_core::config::alertmanager::{WindowSilence, marker};
use opsdeck_core::event::MirrorAction;

/// How long to wait before trying again windows that could not be mirrored.
pub const RETRY: Duration = Duration::from_secs(30);

/// Mirrors every window of `planned` that has not ended, until each is done.
pub async fn mirror(outlet: Arc<Outlet>, planned: Vec<WindowSilence>) {
    let mut left: Vec<WindowSilence> = planned;
    let mut failed_once: HashSet<String> = HashSet::new();
    loop {
        let now = now_ms();
        left.retain(|w| w.until_ms > now);
        let mut still = Vec::new();
        for w in left {
            let mark = marker(&outlet.room, &w.target, Some((&w.from, &w.until)));
            match ensure(&outlet, &w, &mark).await {
                Ok(Some(kept)) => {
                    let detail = format!(
                        "maintenance window {} – {} UTC, {}",
                        opsdeck_core::format::utc(w.from_ms),
                        opsdeck_core::format::utc(w.until_ms),
                        w.matchers.join(", ")
                    );
                    outlet
                        .record(Outcome {
                            target: w.target.clone(),
                            about: 0,
                            action: MirrorAction::Created,
                            result: Ok((vec![kept], detail)),
                        })
                        .await;
                }
                Ok(None) => tracing::debug!("alertmanager: the window of {} is already mirrored", w.target),
                Err(reason) => {
                    if failed_once.insert(mark) {
                        let why = format!("maintenance window: {reason}; trying again every {}s", RETRY.as_secs());
                        outlet
                            .record(Outcome { target: w.target.clone(), about: 0, action: MirrorAction::Created, result: Err(why) })
                            .await;
                    } else {
                        tracing::debug!("alertmanager: the window of {} still cannot be mirrored: {reason}", w.target);
                    }
                    still.push(w);
                }
            }
        }
        if still.is_empty() {
            return;
        }
        left = still;
        tokio::time::sleep(RETRY).await;
    }
}

/// Makes sure one live silence carries `mark`: `Some(id)` when this
/// console created the one kept, `None` when another already stood for
/// the window (or won the race against ours).
async fn ensure(outlet: &Outlet, w: &WindowSilence, mark: &str) -> Result<Option<String>, String> {
    if keep_one(outlet, mark).await?.is_some() {
        return Ok(None);
    }
    let created = outlet.create(&w.matchers, w.from_ms.max(now_ms()), w.until_ms, &w.reason, mark).await?;
    // Two consoles may have looked before either created: all of them keep
    // the same one.
    let Some(kept) = keep_one(outlet, mark).await? else {
        return Err(format!("silence {created} was created but Alertmanager does not list it"));
    };
    Ok((kept == created).then_some(created))
}

/// Of the live silences carrying `mark`, keeps the one with the smallest
/// id and expires the others; the id kept, `None` when there is none.
async fn keep_one(outlet: &Outlet, mark: &str) -> Result<Option<String>, String> {
    let mut live: Vec<String> = outlet.marked(mark).await?.into_iter().map(|s| s.id).collect();
    live.sort();
    if live.len() > 1 {
        tracing::info!("alertmanager: {} silences stand for one window; keeping {}", live.len(), live[0]);
        outlet.expire(&live[1..]).await?;
    }
    Ok(live.into_iter().next())
}
