//! Scrape mode of the `prometheus` probe: fetching a `/metrics` page in the
//! text format or OpenMetrics (told apart by the answer's `Content-Type`; at
//! most [`MAX_BODY`]; a bigger page is an error, never read in part) and handing each parsed scrape to a [`Tracker`], which owns what the
//! selected series read as (sums, rates, quantiles).

use std::time::Instant;

use reqwest::Url;
use reqwest::header::HeaderMap;

use super::prom_http::{http_client, request_reason};
use super::prom_text::{self, Format};
use super::prom_track::Tracker;
use super::{ProbeError, ProbeResult};

/// Largest `/metrics` body read; a bigger one is an error, never cut short.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// The classic text format first, OpenMetrics next: `prom_text` reads both.
const ACCEPT: &str = "text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.9,*/*;q=0.1";

pub(super) struct ScrapeMode {
    client: reqwest::Client,
    url: Url,
    /// Monotonic time base for rates (wall-clock jumps do not distort them).
    epoch: Instant,
    tracker: Tracker,
    /// The last scrape was read and was the first of a rate.
    awaits_rate: bool,
}

impl ScrapeMode {
    pub(super) fn new(url: Url, metric: &str, quantile: Option<f64>, headers: HeaderMap) -> Result<Self, ProbeError> {
        Ok(Self { client: http_client(headers)?, url, epoch: Instant::now(), tracker: Tracker::new(metric, quantile)?, awaits_rate: false })
    }

    /// One scrape; the caller bounds it in time.
    pub(super) async fn probe(&mut self) -> ProbeResult {
        self.awaits_rate = false;
        let (body, format) = fetch(&self.client, &self.url).await?;
        let scrape = prom_text::parse_as(&body, format).map_err(|e| {
            ProbeError::new(match format {
                Format::Text => format!("not the Prometheus text format: {e}"),
                Format::OpenMetrics => format!("not valid OpenMetrics: {e}"),
            })
        })?;
        let at_ms = i64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(i64::MAX);
        let result = self.tracker.observe(&scrape, at_ms);
        self.awaits_rate = self.tracker.awaits_rate();
        result
    }

    /// True when the last scrape found a counter but, being the first, no
    /// rate: a second scrape would give one.
    pub(super) fn awaits_rate(&self) -> bool {
        self.awaits_rate
    }
}

/// The page and the format its `Content-Type` names.
async fn fetch(client: &reqwest::Client, url: &Url) -> Result<(String, Format), ProbeError> {
    let reason = |e: reqwest::Error| ProbeError::new(request_reason(&e));
    let too_big = || ProbeError::new(format!("response larger than {} MiB", MAX_BODY >> 20));
    let mut response = client.get(url.clone()).header(reqwest::header::ACCEPT, ACCEPT).send().await.map_err(reason)?;
    let status = response.status();
    if !status.is_success() {
        return Err(ProbeError::new(format!("HTTP {}", status.as_u16())));
    }
    let format =
        response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map_or(Format::Text, Format::of_content_type);
    if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_big());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(reason)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(body).map_err(|_| ProbeError::new("the scrape is not UTF-8 text"))?;
    Ok((text, format))
}
