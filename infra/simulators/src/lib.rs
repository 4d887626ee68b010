//! Provider simulators that speak the real wire formats (BankID OIDC, Wise, Thunes, a Berlin Group
//! PSD2 bank, Nets), each on its own port, started by `drop-local` and by the end-to-end tests.
//! Each simulator is an axum router registered in [`all`]; [`start_all`] serves them.

pub mod bankid;

use std::net::SocketAddr;

/// A simulator to serve: its name, its preferred local port, its routes, and the template
/// parameters the local stack points at it (parameter, value with `{addr}` for its address).
pub struct Simulator {
    pub name: &'static str,
    pub port: u16,
    pub router: fn() -> axum::Router,
    pub parameters: &'static [(&'static str, &'static str)],
}

/// Every simulator the local stack starts. Each provider issue adds its own here.
pub fn all() -> Vec<Simulator> {
    vec![Simulator {
        name: "bankid",
        port: 3101,
        router: bankid::router,
        parameters: &[
            ("BankIdIssuer", "http://{addr}/bankid"),
            ("BankIdClientId", bankid::CLIENT_ID),
            ("BankIdClientSecret", bankid::CLIENT_SECRET),
        ],
    }]
}

pub struct Running {
    pub name: &'static str,
    pub addr: SocketAddr,
    pub parameters: Vec<(String, String)>,
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
        let parameters =
            sim.parameters.iter().map(|(k, v)| ((*k).to_owned(), v.replace("{addr}", &addr.to_string()))).collect();
        out.push(Running { name: sim.name, addr, parameters, task });
    }
    Ok(out)
}
