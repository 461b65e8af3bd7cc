//! PLACEHOLDER (replaced by the redis prober before merging to main).
use super::{ProbeEnv, ProbeError, ProbeResult};
use crate::config::check::RedisProbe;
use std::time::Duration;
#[derive(Clone, Default)]
pub struct Connections;
pub struct RedisProber;
impl RedisProber {
    pub fn new(_spec: &RedisProbe, _env: &ProbeEnv) -> Result<Self, ProbeError> {
        Err(ProbeError::new("placeholder"))
    }
    pub async fn probe(&mut self, _timeout: Duration) -> ProbeResult {
        Err(ProbeError::new("placeholder"))
    }
}
