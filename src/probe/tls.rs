//! PLACEHOLDER (replaced by the tls prober before merging to main).
use super::{ProbeError, ProbeResult};
use crate::config::check::TlsProbe;
use std::time::Duration;
pub struct TlsProber;
impl TlsProber {
    pub fn new(_spec: &TlsProbe) -> Result<Self, ProbeError> {
        Err(ProbeError::new("placeholder"))
    }
    pub async fn probe(&mut self, _timeout: Duration) -> ProbeResult {
        Err(ProbeError::new("placeholder"))
    }
}
/// Days until the certificate (DER) expires; negative once expired.
pub fn days_until_expiry(_der: &[u8]) -> Result<f64, String> {
    Err("placeholder".into())
}
