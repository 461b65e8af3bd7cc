//! PLACEHOLDER (replaced by the prometheus prober before merging to main).
use super::{ProbeEnv, ProbeError, ProbeResult};
use crate::config::check::PrometheusProbe;
use std::time::Duration;
pub struct PrometheusProber;
impl PrometheusProber {
    pub fn new(_spec: &PrometheusProbe, _env: &ProbeEnv) -> Result<Self, ProbeError> {
        Err(ProbeError::new("placeholder"))
    }
    pub async fn probe(&mut self, _timeout: Duration) -> ProbeResult {
        Err(ProbeError::new("placeholder"))
    }
}
