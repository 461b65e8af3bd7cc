//! The built-in plan of `opsdeck demo`: a TOML template (`plan.toml`) whose
//! checks, checklist, runbook, rollback and trigger all point at the
//! simulated shop's address.

use std::net::SocketAddr;

use opsdeck_core::config::Source;

/// The template; `{addr}` stands for the shop's `host:port`.
const TEMPLATE: &str = include_str!("plan.toml");

/// The path diagnostics name for the built-in plan (it has no file).
pub const PLAN_PATH: &str = "demo-plan.toml";

/// The plan's TOML, aimed at a shop listening on `addr`.
pub fn plan_text(addr: SocketAddr) -> String {
    TEMPLATE.replace("{addr}", &addr.to_string())
}

/// [`plan_text`] as a [`Source`] ready for `config::parse_source`.
pub fn plan_source(addr: SocketAddr) -> Source {
    Source::new(PLAN_PATH, plan_text(addr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use opsdeck_core::config::{Level, Probe, parse_source};

    #[test]
    fn the_plan_is_valid_and_aims_at_the_shop() {
        let addr: SocketAddr = "127.0.0.1:41234".parse().expect("address");
        let (plan, diags) = parse_source(&plan_source(addr), &|_| false);
        let errors: Vec<_> = diags.items.iter().filter(|d| d.level == Level::Error).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let plan = plan.expect("a plan");
        assert_eq!(plan.deck.name, "Demo shop launch");
        assert_eq!(plan.deck.environment, "demo");
        let ids: Vec<_> = plan.checks.iter().map(|c| c.id.as_str()).collect();
        for id in ["api", "queue", "p95-latency", "error-rate", "requests", "port", "workers", "db-connections", "redis-memory"] {
            assert!(ids.contains(&id), "missing check {id}");
        }
        let text = plan_text(addr);
        assert!(!text.contains("{addr}"));
        assert!(text.contains("http://127.0.0.1:41234/api/health"));
        for c in &plan.checks {
            if let Probe::Tcp(t) = &c.probe {
                assert_eq!(t.address, "127.0.0.1:41234");
            }
        }
        assert_eq!(plan.rollbacks.len(), 1);
        assert_eq!(plan.triggers.len(), 1);
        assert_eq!(plan.checklists.len(), 1);
    }
}
