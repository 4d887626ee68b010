//! Provider simulators that speak the real wire formats (BankID OIDC, Wise, Thunes, a Berlin Group
//! PSD2 bank, Nexi Checkout, the sanctions list delivery, Brønnøysund's Enhetsregisteret, Swan, Norges Bank's
//! exchange rates), each on its own port, started by `drop-local`
//! and by the end-to-end tests.
//! Each simulator is an axum router registered in [`all`]; [`start_all`] serves them.

pub mod bank;
pub mod bankid;
pub mod brreg;
pub mod common;
pub mod lists;
pub mod nexi;
pub mod norges_bank;
pub mod swan;
pub mod thunes;
pub mod wise;

use std::net::SocketAddr;

/// A started simulator's routes and the template parameters pointing Drop at it.
pub type Started = (axum::Router, Vec<(String, String)>);

/// A simulator to serve: its name, its preferred local port, and how to start it. `start` gets
/// the API's base URL (for webhooks) and returns the routes and the template parameters that
/// point Drop at it (`{addr}` stands for the simulator's address).
pub struct Simulator {
    pub name: &'static str,
    pub port: u16,
    pub start: fn(&str) -> Started,
}

fn p(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}

/// Every simulator the local stack starts. Each provider issue adds its own here.
pub fn all() -> Vec<Simulator> {
    vec![
        Simulator {
            name: "bankid",
            port: 3101,
            start: |_| {
                let params = vec![
                    p("BankIdIssuer", "http://{addr}/bankid"),
                    p("BankIdClientId", bankid::CLIENT_ID),
                    p("BankIdClientSecret", bankid::CLIENT_SECRET),
                ];
                (bankid::router(), params)
            },
        },
        Simulator {
            name: "bank",
            port: 3102,
            start: |_| (bank::router(), vec![p("BankBaseUrl", "http://{addr}/bank")]),
        },
        Simulator {
            name: "wise",
            port: 3103,
            start: |api| {
                let (router, public_key) = wise::start(api);
                let params = vec![
                    p("WiseBaseUrl", "http://{addr}/wise"),
                    p("WiseApiToken", wise::TOKEN),
                    p("WiseProfileId", &wise::PROFILE.to_string()),
                    p("WiseWebhookPublicKey", &public_key),
                ];
                (router, params)
            },
        },
        Simulator {
            name: "thunes",
            port: 3104,
            start: |_| {
                let params = vec![
                    p("ThunesBaseUrl", "http://{addr}/thunes"),
                    p("ThunesApiKey", thunes::KEY),
                    p("ThunesApiSecret", thunes::SECRET),
                ];
                (thunes::router(), params)
            },
        },
        Simulator {
            name: "lists",
            port: 3105,
            start: |_| {
                let index = format!("http://{{addr}}/lists/datasets/latest/{}/index.json", lists::DATASET);
                let params = vec![p("ScreeningListIndexUrl", &index), p("ScreeningListResource", lists::RESOURCE)];
                (lists::router(), params)
            },
        },
        Simulator { name: "brreg", port: 3106, start: |_| (brreg::router(), vec![p("BrregBaseUrl", "http://{addr}")]) },
        Simulator {
            name: "nexi",
            port: 3107,
            start: |_| (nexi::router(), vec![p("NexiBaseUrl", "http://{addr}/nexi")]),
        },
        Simulator {
            name: "swan",
            port: 3108,
            start: |api| {
                let params = vec![
                    p("SwanApiUrl", "http://{addr}/swan/sandbox-partner/graphql"),
                    p("SwanTokenUrl", "http://{addr}/swan/oauth2/token"),
                    p("SwanClientId", swan::CLIENT_ID),
                    // The local stack offers euro accounts.
                    p("WalletEnabled", "true"),
                ];
                (swan::start(api), params)
            },
        },
        Simulator {
            name: "norgesbank",
            port: 3109,
            start: |_| (norges_bank::router(), vec![p("ReferenceRatesUrl", "http://{addr}/norgesbank/api/data/EXR")]),
        },
    ]
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

/// Where the simulators listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ports {
    /// Their own ports (3101…).
    Fixed,
    /// Free ports (tests).
    Ephemeral,
    /// The same offsets from another base (4100 → 4101…), for a second stack beside the first.
    From(u16),
}

/// Serves each simulator on `host` at `ports`. `api_base` is where simulators send webhooks and
/// callbacks.
pub async fn start_all(host: [u8; 4], ports: Ports, api_base: &str) -> std::io::Result<Vec<Running>> {
    let mut out = Vec::new();
    for sim in all() {
        let port = match ports {
            Ports::Fixed => sim.port,
            Ports::Ephemeral => 0,
            Ports::From(base) => base.saturating_add(sim.port - 3100),
        };
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((host, port))).await?;
        let addr = listener.local_addr()?;
        let (app, params) = (sim.start)(api_base);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let parameters = params.into_iter().map(|(k, v)| (k, v.replace("{addr}", &addr.to_string()))).collect();
        out.push(Running { name: sim.name, addr, parameters, task });
    }
    Ok(out)
}
