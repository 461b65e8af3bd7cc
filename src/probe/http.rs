//! PLACEHOLDER (replaced by the http prober before merging to main).
use super::{ProbeEnv, ProbeError, ProbeResult};
use crate::config::{Check, check::HttpProbe};
use std::time::Duration;
#[derive(Clone, Default)]
pub struct SharedClient;
pub struct HttpProber;
impl HttpProber {
    pub fn new(_spec: &HttpProbe, _check: &Check, _env: &ProbeEnv) -> Result<Self, ProbeError> {
        Err(ProbeError::new("placeholder"))
    }
    pub async fn probe(&mut self, _timeout: Duration) -> ProbeResult {
        Err(ProbeError::new("placeholder"))
    }
}
