//! `tcp` probe: can a connection be opened, and how long does it take.

use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::{ProbeError, ProbeResult, Reading, io_reason, short_duration};
use opsdeck_core::config::check::TcpProbe;

pub struct TcpProber {
    address: String,
}

impl TcpProber {
    pub fn new(spec: &TcpProbe) -> Result<Self, ProbeError> {
        Ok(Self { address: spec.address.clone() })
    }

    pub async fn probe(&mut self, timeout: Duration) -> ProbeResult {
        let started = Instant::now();
        match tokio::time::timeout(timeout, TcpStream::connect(&self.address)).await {
            Err(_) => Err(ProbeError::new(format!("timeout after {}", short_duration(timeout)))),
            Ok(Err(e)) => Err(ProbeError::new(io_reason(&e))),
            Ok(Ok(_stream)) => Ok(Reading::new().with("latency_ms", started.elapsed().as_secs_f64() * 1000.0).with("up", 1.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connects_and_reports_refusals() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let mut p = TcpProber::new(&TcpProbe { address: addr.clone() }).unwrap();
        let r = p.probe(Duration::from_secs(2)).await.unwrap();
        assert!(r.get("latency_ms").is_some());
        drop(listener);
        let err = p.probe(Duration::from_secs(2)).await.unwrap_err();
        assert_eq!(err.0, "connection refused");
    }
}
