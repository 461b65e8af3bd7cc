//! What the mirror's tasks share: the Alertmanager to reach (or why it
//! cannot be), the room and the console's identity that go into each
//! silence, and the journal each outcome is recorded in; with the steps
//! both kinds of mirroring take (find a marker's live silences, create
//! one, expire some) and recording an outcome.

use std::time::Duration;

use super::api::{Api, NewSilence, Silence, SilenceMatcher};
use crate::adapters::journal::{Body, Journal};
use opsdeck_core::config::alertmanager::{comment, has_marker, matchers};
use opsdeck_core::event::MirrorAction;

/// How long one request to Alertmanager may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Outlet {
    /// The API, or why there is none (`environment variable AM_URL is not set`).
    pub api: Result<Api, String>,
    pub room: String,
    /// `name@host`: the silences' `createdBy`.
    pub creator: String,
    pub journal: Journal,
}

/// One outcome, as recorded on the timeline.
pub struct Outcome {
    pub target: String,
    pub about: i64,
    pub action: MirrorAction,
    pub result: Result<(Vec<String>, String), String>,
}

impl Outlet {
    pub fn api(&self) -> Result<&Api, String> {
        self.api.as_ref().map_err(|e| format!("Alertmanager is not configured: {e}"))
    }

    /// The live (active or pending) silences whose comment ends with `marker`.
    pub async fn marked(&self, marker: &str) -> Result<Vec<Silence>, String> {
        let all = self.api()?.silences(REQUEST_TIMEOUT).await.map_err(|e| format!("cannot list silences: {e}"))?;
        Ok(all.into_iter().filter(|s| s.is_live() && has_marker(&s.comment, marker)).collect())
    }

    /// Creates a silence of `matchers` from `starts_ms` to `ends_ms`, its
    /// comment `reason` and `marker`; its id.
    pub async fn create(&self, texts: &[String], starts_ms: i64, ends_ms: i64, reason: &str, marker: &str) -> Result<String, String> {
        let parsed = matchers(texts)?;
        let silence = NewSilence {
            matchers: parsed.iter().map(SilenceMatcher::from).collect(),
            starts_at: rfc3339(starts_ms),
            ends_at: rfc3339(ends_ms),
            created_by: self.creator.clone(),
            comment: comment(reason, marker),
        };
        self.api()?.create(&silence, REQUEST_TIMEOUT).await.map_err(|e| format!("cannot create the silence: {e}"))
    }

    /// Expires each silence of `ids`; the ids expired.
    pub async fn expire(&self, ids: &[String]) -> Result<Vec<String>, String> {
        let api = self.api()?;
        for id in ids {
            api.expire(id, REQUEST_TIMEOUT).await.map_err(|e| format!("cannot expire silence {id}: {e}"))?;
        }
        Ok(ids.to_vec())
    }

    /// Logs the outcome and appends it to the journal (`silence.mirrored`).
    pub async fn record(&self, outcome: Outcome) {
        let Outcome { target, about, action, result } = outcome;
        let (ok, silence, detail) = match result {
            Ok((ids, detail)) => {
                tracing::info!("alertmanager: {target}: {action:?} {}: {detail}", ids.join(", "));
                (true, ids.join(","), detail)
            }
            Err(reason) => {
                tracing::warn!("alertmanager: {target}: {action:?} failed: {reason}");
                (false, String::new(), reason)
            }
        };
        let body = Body::AlertmanagerSilence { target: target.clone(), about, action, ok, silence, detail };
        if let Err(e) = self.journal.record(&body).await {
            tracing::warn!("alertmanager: cannot record what became of the silence of {target}: {e:#}");
        }
    }
}

/// `2026-11-28T22:00:00Z` for unix milliseconds (the epoch for an out-of-range time).
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH).to_string()
}
