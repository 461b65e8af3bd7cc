//! `opsdeck serve PLAN` / `opsdeck serve --demo`: the room over SSH (see
//! the serve module).

use std::path::Path;
use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr, eyre};

use crate::adapters::probe::ProbeEnv;
use crate::demo::{DemoService, Story, plan_source};
use crate::serve::{self, Options};
use opsdeck_core::config::{self, Level, parse_source};

/// Serves a plan file.
pub async fn run(path: &Path, opts: Options) -> Result<ExitCode> {
    let loaded = config::load_plan(path);
    let sources: Vec<&config::Source> = loaded.source.iter().collect();
    let Some(plan) = loaded.plan else {
        eprint!("{}", loaded.diagnostics.render(&sources));
        eprintln!("{}: invalid: {} errors", path.display(), loaded.diagnostics.count(Level::Error));
        return Ok(ExitCode::from(1));
    };
    let env = ProbeEnv::from_process(plan.base_dir.clone());
    serve::run(plan, env, opts).await
}

/// Serves the demo's simulated shop and built-in plan.
pub async fn demo(speed: f64, opts: Options) -> Result<ExitCode> {
    let service = DemoService::start(Story::new(speed)).await.wrap_err("cannot start the demo service on 127.0.0.1")?;
    let source = plan_source(service.addr);
    let (plan, diags) = parse_source(&source, &|_| true);
    let plan = plan.ok_or_else(|| eyre!("the built-in demo plan is invalid:\n{}", diags.render(&[&source])))?;
    let env = ProbeEnv::from_process(std::env::current_dir().unwrap_or_default());
    let served = serve::run(plan, env, opts).await;
    service.shutdown().await;
    served
}
