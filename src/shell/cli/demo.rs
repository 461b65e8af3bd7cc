//! `opsdeck demo`: a simulated shop on 127.0.0.1 living through a scripted
//! story, watched by the console on a built-in plan (plus the local
//! PostgreSQL and Redis, which show UNKNOWN with a reason when absent).

use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr, eyre};

use super::run::{ConsoleArgs, console};
use crate::adapters::probe::ProbeEnv;
use crate::demo::{DemoService, Story, plan_source};
use opsdeck_core::config::parse_source;

pub async fn run(args: &ConsoleArgs<'_>, speed: f64) -> Result<ExitCode> {
    let service = DemoService::start(Story::new(speed)).await.wrap_err("cannot start the demo service on 127.0.0.1")?;
    let source = plan_source(service.addr);
    let (plan, diags) = parse_source(&source, &|_| true);
    let plan = plan.ok_or_else(|| eyre!("the built-in demo plan is invalid:\n{}", diags.render(&[&source])))?;
    let env = ProbeEnv::from_process(std::env::current_dir().unwrap_or_default());
    let code = console(&plan, args, env).await;
    service.shutdown().await;
    code
}
