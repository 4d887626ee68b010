//! Brønnøysundregistrene's Enhetsregisteret, the open API's shape
//! (`data.brreg.no/enhetsregisteret/api`): `GET /enhetsregisteret/api/enheter/{orgnr}` (200 with
//! `navn`, `organisasjonsform`, `konkurs`, `underAvvikling`,
//! `underTvangsavviklingEllerTvangsopplosning`, `forretningsadresse`, `naeringskode1`; 404 for an
//! unknown number; 410 with `slettedato` for a deleted one; 400 for a malformed one) and
//! `GET /enhetsregisteret/api/enheter/{orgnr}/roller` (`rollegrupper[].roller[]` with `type.kode`,
//! `person.navn`, `person.fodselsdato`, `fratraadt`). Fixtures are synthetic organisation numbers
//! whose roles name the BankID simulator's test users; tests register more with
//! `POST /enhetsregisteret/_sim/enheter`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// An organisation as the simulator keeps it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Org {
    pub organisasjonsnummer: String,
    pub navn: String,
    #[serde(default = "as_form")]
    pub organisasjonsform: String,
    #[serde(default)]
    pub konkurs: bool,
    #[serde(default)]
    pub under_avvikling: bool,
    #[serde(default)]
    pub slettedato: Option<String>,
    #[serde(default)]
    pub roller: Vec<Role>,
}

fn as_form() -> String {
    "AS".into()
}

/// One role holder: `kode` is the role type (`DAGL`, `LEDE`, `SIGN`, `PROK`, `INNH`, `MEDL`, …).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub kode: String,
    pub fornavn: String,
    pub etternavn: String,
    /// YYYY-MM-DD.
    pub fodselsdato: String,
    #[serde(default)]
    pub fratraadt: bool,
}

/// Active, with the first test user as daily manager and the second holding signature.
pub const ACTIVE: &str = "310000019";
pub const BANKRUPT: &str = "310000027";
pub const WINDING_UP: &str = "310000035";
pub const DELETED: &str = "310000043";
/// Active, named like a listed company (screening).
pub const LISTED: &str = "310000051";
/// Active, no test user holds a role.
pub const STRANGERS: &str = "310000078";

fn holder(kode: &str, nnin: &str) -> Role {
    let (fornavn, etternavn) = crate::bankid::names(nnin);
    let far = time::macros::date!(2199 - 12 - 31);
    let fodselsdato = drop_domain::nin::Nin::parse(nnin, far)
        .ok()
        .and_then(|n| n.birth_date())
        .map(|d| d.to_string())
        .unwrap_or_default();
    Role { kode: kode.into(), fornavn: fornavn.into(), etternavn: etternavn.into(), fodselsdato, fratraadt: false }
}

fn fixtures() -> Vec<Org> {
    let (first, second) = (crate::bankid::TEST_USERS[0].0, crate::bankid::TEST_USERS[1].0);
    let org = |nr: &str, navn: &str, roller: Vec<Role>| Org {
        organisasjonsnummer: nr.into(),
        navn: navn.into(),
        organisasjonsform: "AS".into(),
        konkurs: false,
        under_avvikling: false,
        slettedato: None,
        roller,
    };
    let stranger = Role {
        kode: "DAGL".into(),
        fornavn: "Sigrid".into(),
        etternavn: "Fremmed".into(),
        fodselsdato: "1970-01-01".into(),
        fratraadt: false,
    };
    vec![
        org(ACTIVE, "KAFFEBAREN AS", vec![holder("DAGL", first), holder("SIGN", second)]),
        Org { konkurs: true, ..org(BANKRUPT, "KONKURSBO AS", vec![holder("DAGL", first)]) },
        Org { under_avvikling: true, ..org(WINDING_UP, "AVVIKLES AS", vec![holder("DAGL", first)]) },
        Org { slettedato: Some("2025-06-30".into()), ..org(DELETED, "SLETTET AS", vec![holder("DAGL", first)]) },
        // A Norwegian branch of a foreign company (NUF) keeps its name.
        Org { organisasjonsform: "NUF".into(), ..org(LISTED, "NORTHWIND TRADING LTD", vec![holder("DAGL", first)]) },
        org(STRANGERS, "ANDRE FOLKS AS", vec![stranger]),
    ]
}

#[derive(Clone)]
pub struct Brreg(Arc<Mutex<HashMap<String, Org>>>);

pub fn router() -> Router {
    let orgs = fixtures().into_iter().map(|o| (o.organisasjonsnummer.clone(), o)).collect();
    Router::new()
        .route("/enhetsregisteret/api/enheter/{orgnr}", get(enhet))
        .route("/enhetsregisteret/api/enheter/{orgnr}/roller", get(roller))
        .route("/enhetsregisteret/_sim/enheter", post(register))
        .with_state(Brreg(Arc::new(Mutex::new(orgs))))
}

fn find(s: &Brreg, orgnr: &str) -> Result<Org, Box<Response>> {
    if orgnr.len() != 9 || !orgnr.bytes().all(|b| b.is_ascii_digit()) {
        let body = serde_json::json!({"status": 400, "error": "Bad Request", "message": "Ugyldig organisasjonsnummer"});
        return Err(Box::new((StatusCode::BAD_REQUEST, Json(body)).into_response()));
    }
    let orgs = s.0.lock().unwrap_or_else(|p| p.into_inner());
    match orgs.get(orgnr) {
        None => Err(Box::new(StatusCode::NOT_FOUND.into_response())),
        Some(o) => Ok(o.clone()),
    }
}

async fn enhet(State(s): State<Brreg>, Path(orgnr): Path<String>) -> Response {
    let o = match find(&s, &orgnr) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    if let Some(slettet) = &o.slettedato {
        let body = serde_json::json!({"organisasjonsnummer": o.organisasjonsnummer, "slettedato": slettet});
        return (StatusCode::GONE, Json(body)).into_response();
    }
    Json(serde_json::json!({
        "organisasjonsnummer": o.organisasjonsnummer,
        "navn": o.navn,
        "organisasjonsform": {"kode": o.organisasjonsform, "beskrivelse": "Aksjeselskap"},
        "registreringsdatoEnhetsregisteret": "2020-01-02",
        "registrertIMvaregisteret": true,
        "naeringskode1": {"kode": "56.101", "beskrivelse": "Drift av restauranter og kafeer"},
        "antallAnsatte": 4,
        "forretningsadresse": {"land": "Norge", "landkode": "NO", "postnummer": "0150", "poststed": "OSLO",
            "adresse": ["Karl Johans gate 1"], "kommune": "OSLO", "kommunenummer": "0301"},
        "konkurs": o.konkurs,
        "underAvvikling": o.under_avvikling,
        "underTvangsavviklingEllerTvangsopplosning": false,
        "maalform": "Bokmål",
    }))
    .into_response()
}

async fn roller(State(s): State<Brreg>, Path(orgnr): Path<String>) -> Response {
    let o = match find(&s, &orgnr) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    let mut groups: Vec<(String, Vec<serde_json::Value>)> = Vec::new();
    for r in &o.roller {
        let role = serde_json::json!({
            "type": {"kode": r.kode, "beskrivelse": r.kode},
            "person": {"fodselsdato": r.fodselsdato, "navn": {"fornavn": r.fornavn, "etternavn": r.etternavn}, "erDoed": false},
            "fratraadt": r.fratraadt,
            "rekkefolge": 0,
        });
        match groups.iter_mut().find(|(k, _)| *k == r.kode) {
            Some((_, v)) => v.push(role),
            None => groups.push((r.kode.clone(), vec![role])),
        }
    }
    let rollegrupper: Vec<serde_json::Value> = groups
        .into_iter()
        .map(|(kode, roller)| {
            serde_json::json!({"type": {"kode": kode, "beskrivelse": kode}, "sistEndret": "2024-01-02", "roller": roller})
        })
        .collect();
    Json(serde_json::json!({"rollegrupper": rollegrupper})).into_response()
}

async fn register(State(s): State<Brreg>, Json(o): Json<Org>) -> StatusCode {
    s.0.lock().unwrap_or_else(|p| p.into_inner()).insert(o.organisasjonsnummer.clone(), o);
    StatusCode::NO_CONTENT
}
