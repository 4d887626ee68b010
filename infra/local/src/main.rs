//! `cargo run -p drop-local [-- --port N] [--simulator-port-base N] [--env-vars FILE]`: the whole
//! stack on this machine. Ctrl-C stops it.

use drop_local::{Options, Stack};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if std::env::var("DROP_LOG_FORMAT").is_err() {
        std::env::set_var("DROP_LOG_FORMAT", "text");
    }
    drop_runtime::logging::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("audit-verify") {
        return audit_verify(&args[1..]).await;
    }
    if args.first().map(String::as_str) == Some("ledger-check") {
        return ledger_check().await;
    }
    if args.first().map(String::as_str) == Some("grant-role") {
        return grant_role(&args[1..]).await;
    }
    let opts = match with_flags(Options::from_env(), &args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("drop-local: {e}\nusage: drop-local [--port N] [--simulator-port-base N] [--env-vars FILE]");
            return std::process::ExitCode::from(2);
        }
    };
    let mut signals = Signals::install();
    let stack = match Stack::start(opts).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("drop-local: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("Drop local stack");
    for line in &stack.summary {
        println!("  {line}");
    }
    println!("  Ctrl-C stops it.");
    signals.recv().await;
    println!("stopping…");
    stack.stop().await;
    std::process::ExitCode::SUCCESS
}

/// The command line's flags over the environment's settings.
fn with_flags(mut o: Options, args: &[String]) -> Result<Options, String> {
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => {
                let port: u16 = value()?.parse().map_err(|_| "--port: not a port".to_owned())?;
                o.addr.set_port(port);
            }
            "--simulator-port-base" => {
                o.simulator_port_base =
                    Some(value()?.parse().map_err(|_| "--simulator-port-base: not a port".to_owned())?)
            }
            "--env-vars" => o.env_vars = Some(value()?.into()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

/// The context the operator commands work with (the local stack's storage), or a printed error.
async fn local_context() -> Option<std::sync::Arc<drop_runtime::Ctx>> {
    match drop_local::stack::context(&Options::from_env()).await {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!("drop-local: {e}");
            None
        }
    }
}

/// `drop-local audit-verify <subject>…`: checks audit hash chains (a user id, or `SYSTEM`) on the
/// storage the local stack uses (SQLite, or AWS with `AWS_ENDPOINT_URL`). Exit 1 if one is broken.
async fn audit_verify(subjects: &[String]) -> std::process::ExitCode {
    if subjects.is_empty() {
        eprintln!("usage: drop-local audit-verify <user id | SYSTEM>...");
        return std::process::ExitCode::from(2);
    }
    let Some(ctx) = local_context().await else { return std::process::ExitCode::FAILURE };
    let mut broken = false;
    for s in subjects {
        match drop_services::audit::verify(ctx.audit.as_ref(), s).await {
            Ok(drop_services::audit::Verdict::Intact { entries }) => println!("{s}: intact ({entries} entries)"),
            Ok(drop_services::audit::Verdict::Broken { at_seq, reason }) => {
                broken = true;
                println!("{s}: BROKEN at entry {at_seq}: {reason}");
            }
            Err(e) => {
                broken = true;
                println!("{s}: could not be read: {e}");
            }
        }
    }
    if broken {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}

/// `drop-local grant-role <user id> <user|merchant|admin>`: an operator gives a user a role on the
/// local stack's storage (audited on the user's chain and on SYSTEM's, actor `operator:<login>`).
async fn grant_role(args: &[String]) -> std::process::ExitCode {
    let (Some(user), Some(role), None) =
        (args.first(), args.get(1).and_then(|r| drop_domain::role::Role::parse(r)), args.get(2))
    else {
        eprintln!("usage: drop-local grant-role <user id> <user|merchant|admin>");
        return std::process::ExitCode::from(2);
    };
    let Some(ctx) = local_context().await else { return std::process::ExitCode::FAILURE };
    let operator = format!("operator:{}", std::env::var("USER").unwrap_or_else(|_| "local".into()));
    let now = ctx.clock.epoch();
    match drop_services::auth::users::grant_role(ctx.table.as_ref(), ctx.audit.as_ref(), user, role, &operator, now)
        .await
    {
        Ok(Some(before)) => {
            println!("{user}: {} -> {} (from the next login)", before.as_str(), role.as_str());
            std::process::ExitCode::SUCCESS
        }
        Ok(None) => {
            println!("{user}: already {}", role.as_str());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("drop-local: {user}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `drop-local ledger-check`: the ledger invariants over the local stack's storage (as the
/// `ledger-invariants` schedule does). Prints the report; exit 1 on any violation.
async fn ledger_check() -> std::process::ExitCode {
    let Some(ctx) = local_context().await else { return std::process::ExitCode::FAILURE };
    match ctx.remit.check_invariants().await {
        Ok(r) => {
            println!("{} payments, {} postings checked", r.payments, r.postings);
            for v in &r.violations {
                println!("VIOLATION {}: {} — {}", v.rule, v.subject, v.detail);
            }
            if r.violations.is_empty() {
                println!("all ledger invariants hold");
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("drop-local: the ledger could not be read: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Ctrl-C (SIGINT) and SIGTERM, listened for from before the stack starts: one that arrives while
/// it is still starting stops it once it has started, instead of killing the process half-way.
struct Signals {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Signals { int: signal(SignalKind::interrupt()).ok(), term: signal(SignalKind::terminate()).ok() }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        match (&mut self.int, &mut self.term) {
            (Some(i), Some(t)) => {
                tokio::select! {
                    _ = i.recv() => {}
                    _ = t.recv() => {}
                }
            }
            (Some(i), None) => {
                i.recv().await;
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
