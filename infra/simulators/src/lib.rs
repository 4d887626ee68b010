//! Provider simulators that speak the real wire formats (BankID OIDC, Wise, Thunes, a Berlin Group
//! PSD2 bank, Nets), each on its own port, started by `drop-local` and by the end-to-end tests.
//! Each simulator is an axum router registered in [`all`]; [`start_all`] serves them.

use std::net::SocketAddr;

/// A simulator to serve: its name, its preferred local port, and its routes.
pub struct Simulator {
    pub name: &'static str,
    pub port: u16,
    pub router: fn() -> axum::Router,
}

/// Every simulator the local stack starts. Each provider issue adds its own here.
pub fn all() -> Vec<Simulator> {
    Vec::new()
}

pub struct Running {
    pub name: &'static str,
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub fn stop(self) {
        self.task.abort();
    }
}

/// Serves each simulator on `host:port`, or on free ports when `ephemeral` (tests).
pub async fn start_all(host: [u8; 4], ephemeral: bool) -> std::io::Result<Vec<Running>> {
    let mut out = Vec::new();
    for sim in all() {
        let port = if ephemeral { 0 } else { sim.port };
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((host, port))).await?;
        let addr = listener.local_addr()?;
        let app = (sim.router)();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        out.push(Running { name: sim.name, addr, task });
    }
    Ok(out)
}
