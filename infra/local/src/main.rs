//! `cargo run -p drop-local`: the whole stack on this machine. Ctrl-C stops it.

use drop_local::{Options, Stack};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if std::env::var("DROP_LOG_FORMAT").is_err() {
        std::env::set_var("DROP_LOG_FORMAT", "text");
    }
    drop_runtime::logging::init();
    let opts = Options::from_env();
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
    shutdown_signal().await;
    println!("stopping…");
    stack.stop().await;
    std::process::ExitCode::SUCCESS
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
