//! PLACEHOLDER (replaced by the postgres prober before merging to main).
use super::{ProbeEnv, ProbeError, ProbeResult};
use crate::config::check::PostgresProbe;
use std::time::Duration;
#[derive(Clone, Default)]
pub struct Pools;
pub struct PostgresProber;
impl PostgresProber {
    pub fn new(_spec: &PostgresProbe, _env: &ProbeEnv) -> Result<Self, ProbeError> {
        Err(ProbeError::new("placeholder"))
    }
    pub async fn probe(&mut self, _timeout: Duration) -> ProbeResult {
        Err(ProbeError::new("placeholder"))
    }
}
