//! BankID OIDC v4 simulator (`reference/identity.md` §1.7): discovery, JWKS (EC P-256, two keys
//! after a rotation), authorize (code flow; PKCE S256, state, nonce required; a test-user page, or
//! `sim_nnin=<11 digits>` to complete at once), token endpoint (`client_secret_basic` and
//! `client_secret_post`, one-time codes valid 60 s, PKCE checked), ES256 ID tokens with the v4
//! claims, userinfo. Test switches under `/bankid/_sim/`.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::{STANDARD as B64STD, URL_SAFE_NO_PAD as B64};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

pub const CLIENT_ID: &str = "drop-local";
pub const CLIENT_SECRET: &str = "drop-local-secret";
const CODE_TTL: i64 = 60;

/// Test users offered on the login page.
pub const TEST_USERS: &[(&str, &str)] = &[
    ("13097248022", "Kari Nordmann (adult)"),
    ("29029648784", "Ola Nordmann (born 29 February)"),
    ("53097248016", "Anna Berg (D-number)"),
    ("10915596784", "Test Testesen (synthetic +80)"),
    ("15021951940", "Lille Nordmann (born 2019)"),
];

/// What the simulator does wrong on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Normal,
    /// The token endpoint answers 500.
    TokenServerError,
    /// ID tokens are already expired.
    ExpiredIdToken,
    /// ID tokens carry another nonce.
    WrongNonce,
    /// ID tokens are signed by a key not in the JWKS.
    UnknownKey,
}

struct Code {
    redirect_uri: String,
    challenge: String,
    nonce: String,
    nnin: String,
    scope: String,
    expires: i64,
}

struct Inner {
    keys: Vec<(String, EcdsaKeyPair)>,
    rogue: EcdsaKeyPair,
    codes: HashMap<String, Code>,
    access: HashMap<String, String>,
    mode: Mode,
}

#[derive(Clone)]
pub struct Sim(Arc<Mutex<Inner>>);

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn new_key() -> EcdsaKeyPair {
    // Key generation only fails if the platform has no randomness: nothing can run then.
    #[allow(clippy::expect_used)]
    EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("P-256 key generation")
}

fn random(n: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    B64.encode(b)
}

fn issuer(headers: &HeaderMap) -> String {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}/bankid")
}

impl Sim {
    fn new() -> Self {
        Sim(Arc::new(Mutex::new(Inner {
            keys: vec![(format!("sim-{}", random(6)), new_key())],
            rogue: new_key(),
            codes: HashMap::new(),
            access: HashMap::new(),
            mode: Mode::Normal,
        })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub fn router() -> Router {
    let sim = Sim::new();
    Router::new()
        .route("/bankid/.well-known/openid-configuration", get(discovery))
        .route("/bankid/protocol/openid-connect/certs", get(jwks))
        .route("/bankid/precheck/auth", get(authorize))
        .route("/bankid/protocol/openid-connect/token", post(token))
        .route("/bankid/userinfo", get(userinfo))
        .route("/bankid/_sim/mode", post(set_mode))
        .route("/bankid/_sim/rotate", post(rotate))
        .with_state(sim)
}

async fn discovery(headers: HeaderMap) -> Json<serde_json::Value> {
    let iss = issuer(&headers);
    Json(serde_json::json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/precheck/auth"),
        "token_endpoint": format!("{iss}/protocol/openid-connect/token"),
        "jwks_uri": format!("{iss}/protocol/openid-connect/certs"),
        "userinfo_endpoint": format!("{iss}/userinfo"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid", "profile", "nnin_altsub"],
        "acr_values_supported": ["urn:bankid:bid", "urn:bankid:bis"],
    }))
}

fn jwk(kid: &str, kp: &EcdsaKeyPair) -> serde_json::Value {
    let p = kp.public_key().as_ref();
    serde_json::json!({"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
        "x": B64.encode(&p[1..33]), "y": B64.encode(&p[33..65])})
}

async fn jwks(State(sim): State<Sim>) -> Json<serde_json::Value> {
    let inner = sim.lock();
    Json(serde_json::json!({"keys": inner.keys.iter().map(|(k, kp)| jwk(k, kp)).collect::<Vec<_>>()}))
}

fn redirect(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [("location", location.to_owned()), ("cache-control", "no-store".to_owned())])
        .into_response()
}

const UNRESERVED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

fn allowed_redirect(uri: &str) -> bool {
    ["http://127.0.0.1:", "http://localhost:"].iter().any(|p| uri.starts_with(p))
        && uri.ends_with("/api/auth/bankid/callback")
}

async fn authorize(State(sim): State<Sim>, Query(q): Query<BTreeMap<String, String>>) -> Response {
    let p = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if p("client_id") != CLIENT_ID || !allowed_redirect(p("redirect_uri")) {
        return (StatusCode::BAD_REQUEST, Html("<h1>Unknown client or redirect_uri</h1>")).into_response();
    }
    let back = |params: &str| redirect(&format!("{}?{params}&state={}", p("redirect_uri"), enc(p("state"))));
    let invalid = |why: &str| back(&format!("error=invalid_request&error_description={}", enc(why)));
    if p("response_type") != "code" {
        return invalid("response_type must be code");
    }
    if p("state").is_empty() || p("nonce").is_empty() || p("code_challenge").is_empty() {
        return invalid("state, nonce and code_challenge are required");
    }
    if p("code_challenge_method") != "S256" {
        return invalid("code_challenge_method must be S256");
    }
    if !p("scope").split(' ').any(|s| s == "openid") {
        return invalid("scope must contain openid");
    }
    if p("login_hint").chars().filter(char::is_ascii_digit).count() >= 11 {
        return invalid("login_hint may not carry a national identity number");
    }
    if let Some(err) = q.get("sim_error") {
        return back(&format!("error={}", enc(err)));
    }
    let nnin = p("sim_nnin");
    if nnin.is_empty() {
        return login_page(&q);
    }
    if nnin.len() != 11 || !nnin.bytes().all(|b| b.is_ascii_digit()) {
        return (StatusCode::BAD_REQUEST, Html("<h1>sim_nnin must be 11 digits</h1>")).into_response();
    }
    let code = random(24);
    sim.lock().codes.insert(
        code.clone(),
        Code {
            redirect_uri: p("redirect_uri").to_owned(),
            challenge: p("code_challenge").to_owned(),
            nonce: p("nonce").to_owned(),
            nnin: nnin.to_owned(),
            scope: p("scope").to_owned(),
            expires: now() + CODE_TTL,
        },
    );
    back(&format!("code={}", enc(&code)))
}

fn login_page(q: &BTreeMap<String, String>) -> Response {
    let hidden: String =
        q.iter().map(|(k, v)| format!(r#"<input type="hidden" name="{}" value="{}">"#, html(k), html(v))).collect();
    let users: String = TEST_USERS
        .iter()
        .map(|(n, label)| {
            format!(r#"<li><button name="sim_nnin" value="{n}">{}</button> <code>{n}</code></li>"#, html(label))
        })
        .collect();
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>BankID (simulator)</title></head>
<body><h1>BankID simulator</h1><p>Choose a test user.</p>
<form method="get" action="/bankid/precheck/auth">{hidden}<ul>{users}</ul></form>
<form method="get" action="/bankid/precheck/auth">{hidden}<label>Any 11-digit number <input name="sim_nnin" pattern="[0-9]{{11}}"></label> <button>Log in</button></form>
<form method="get" action="/bankid/precheck/auth">{hidden}<button name="sim_error" value="access_denied">Cancel</button></form>
</body></html>"#
    ))
    .into_response()
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (status, Json(serde_json::json!({"error": error, "error_description": error}))).into_response()
}

/// Form decoding (`+` is a space).
fn pct_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// Client credentials from `client_secret_basic` or `client_secret_post`.
fn client(headers: &HeaderMap, form: &BTreeMap<String, String>) -> Option<(String, String)> {
    if let Some(basic) =
        headers.get("authorization").and_then(|h| h.to_str().ok()).and_then(|h| h.strip_prefix("Basic "))
    {
        let raw = String::from_utf8(B64STD.decode(basic.trim()).ok()?).ok()?;
        let (id, secret) = raw.split_once(':')?;
        return Some((pct_decode(id), pct_decode(secret)));
    }
    Some((form.get("client_id")?.clone(), form.get("client_secret")?.clone()))
}

/// The names the simulator gives a person (the Brønnøysund simulator names its role holders so).
pub fn names(nnin: &str) -> (&'static str, &'static str) {
    const GIVEN: [&str; 5] = ["Kari", "Ola", "Anna", "Per", "Ingrid"];
    const FAMILY: [&str; 5] = ["Nordmann", "Hansen", "Berg", "Johansen", "Larsen"];
    let h = nnin.bytes().fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(b as usize));
    (GIVEN[h % 5], FAMILY[(h / 5) % 5])
}

async fn token(State(sim): State<Sim>, headers: HeaderMap, Form(form): Form<BTreeMap<String, String>>) -> Response {
    let Some((id, secret)) = client(&headers, &form) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    if id != CLIENT_ID || secret != CLIENT_SECRET {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let mut inner = sim.lock();
    if inner.mode == Mode::TokenServerError {
        return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error");
    }
    // One-time: the code is gone whatever happens next.
    let Some(code) = form.get("code").and_then(|c| inner.codes.remove(c)) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    let verifier = form.get("code_verifier").map(String::as_str).unwrap_or("");
    let challenge = B64.encode(Sha256::digest(verifier.as_bytes()));
    if code.expires < now() || form.get("redirect_uri") != Some(&code.redirect_uri) || challenge != code.challenge {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let iss = issuer(&headers);
    let t = now();
    let (given, family) = names(&code.nnin);
    let far = time::macros::date!(2199 - 12 - 31);
    let birthdate =
        drop_domain::nin::Nin::parse(&code.nnin, far).ok().and_then(|n| n.birth_date()).map(|d| d.to_string());
    let exp = if inner.mode == Mode::ExpiredIdToken { t - 600 } else { t + 300 };
    let nonce = if inner.mode == Mode::WrongNonce { "not-your-nonce".to_owned() } else { code.nonce.clone() };
    let sub = format!("{:x}", Sha256::digest(code.nnin.as_bytes()))[..32].to_owned();
    let mut claims = serde_json::json!({
        "iss": iss, "aud": CLIENT_ID, "azp": CLIENT_ID, "exp": exp, "iat": t, "jti": random(12),
        "typ": "ID", "sid": random(12), "nonce": nonce, "acr": "urn:bankid:bid;LOA=4",
        "amr": ["bid", "bid-mfa", "bid-app"], "sub": sub,
        "bankid_altsub": format!("9578-5999-4-{}", &code.nnin[4..]), "api_ver": 4,
    });
    if code.scope.split(' ').any(|s| s == "profile") {
        claims["name"] = format!("{given} {family}").into();
        claims["given_name"] = given.into();
        claims["family_name"] = family.into();
        if let Some(b) = birthdate {
            claims["birthdate"] = b.into();
        }
    }
    if code.scope.split(' ').any(|s| s == "nnin_altsub") {
        claims["nnin_altsub"] = code.nnin.clone().into();
    }
    let (kid, kp) = if inner.mode == Mode::UnknownKey {
        ("not-published".to_owned(), &inner.rogue)
    } else {
        match inner.keys.last() {
            Some((k, kp)) => (k.clone(), kp),
            None => return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
        }
    };
    let header = serde_json::json!({"alg": "ES256", "kid": kid, "typ": "JWT"});
    let input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
    let Ok(sig) = kp.sign(&SystemRandom::new(), input.as_bytes()) else {
        return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error");
    };
    let id_token = format!("{input}.{}", B64.encode(sig.as_ref()));
    let access_token = random(32);
    inner.access.insert(access_token.clone(), code.nnin.clone());
    Json(serde_json::json!({"access_token": access_token, "id_token": id_token, "token_type": "Bearer", "expires_in": 300})).into_response()
}

async fn userinfo(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let token = headers.get("authorization").and_then(|h| h.to_str().ok()).and_then(|h| h.strip_prefix("Bearer "));
    let Some(nnin) = token.and_then(|t| sim.lock().access.get(t).cloned()) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token");
    };
    let (given, family) = names(&nnin);
    Json(serde_json::json!({"iss": issuer(&headers), "aud": CLIENT_ID, "name": format!("{given} {family}")}))
        .into_response()
}

#[derive(serde::Deserialize)]
struct SetMode {
    mode: Mode,
}

async fn set_mode(State(sim): State<Sim>, Json(m): Json<SetMode>) -> StatusCode {
    sim.lock().mode = m.mode;
    StatusCode::NO_CONTENT
}

/// Adds a new current key; the previous one stays published.
async fn rotate(State(sim): State<Sim>) -> Json<serde_json::Value> {
    let mut inner = sim.lock();
    inner.keys.push((format!("sim-{}", random(6)), new_key()));
    if inner.keys.len() > 2 {
        inner.keys.remove(0);
    }
    Json(serde_json::json!({"kid": inner.keys.last().map(|k| k.0.clone())}))
}
