//! PLACEHOLDER (replaced by the command prober before merging to main).
use super::{ProbeEnv, ProbeError, ProbeResult};
use crate::config::{Check, check::CommandProbe};
use std::time::Duration;
pub struct CommandProber;
impl CommandProber {
    pub fn new(_spec: &CommandProbe, _check: &Check, _env: &ProbeEnv) -> Result<Self, ProbeError> {
        Err(ProbeError::new("placeholder"))
    }
    pub async fn probe(&mut self, _timeout: Duration) -> ProbeResult {
        Err(ProbeError::new("placeholder"))
    }
}
