//! The OpenAPI 3.1 document, generated from the handlers' request and response types. A copy is
//! committed at `infra/openapi.json` (a test fails when it is stale); `GET /api/openapi.json`
//! serves that copy.

use drop_runtime::function::Access;
use drop_runtime::Kind;
use serde_json::{json, Value};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Drop API", description = "Drop's backend HTTP API. Money is integer minor units with an ISO 4217 currency; errors are RFC 9457 problem+json."),
    paths(
        crate::platform::health::health,
        crate::platform::openapi_doc::openapi,
        crate::auth::init::init,
        crate::auth::callback::callback,
        crate::auth::register::register,
        crate::auth::verify::verify,
        crate::auth::refresh::refresh_session,
        crate::auth::logout::logout,
        crate::auth::jwks::jwks,
        crate::user::profile::get_profile,
        crate::user::profile::update_profile,
        crate::user::settings::get_settings,
        crate::user::settings::put_settings,
        crate::remit::accounts::link,
        crate::remit::accounts::callback,
        crate::remit::accounts::list,
        crate::remit::accounts::remove,
        crate::remit::recipients::create,
        crate::remit::recipients::list,
        crate::remit::recipients::remove,
        crate::remit::payments::initiate,
        crate::remit::payments::confirm,
        crate::remit::payments::sca_callback,
        crate::remit::payments::get,
        crate::remit::payments::history,
        crate::remit::payments::cancel,
        crate::qr_pay::initiate,
        crate::qr_pay::confirm,
        crate::qr_pay::get,
        crate::payment_requests::create,
        crate::payment_requests::list,
        crate::remit::webhooks::wise,
        crate::remit::webhooks::thunes,
        crate::qr_settlement::nexi,
        crate::admin::alerts,
        crate::admin::close,
        crate::cases::list,
        crate::cases::get,
        crate::cases::assign,
        crate::cases::note,
        crate::cases::link,
        crate::cases::transition,
        crate::strs::draft,
        crate::strs::get,
        crate::strs::edit,
        crate::strs::transition,
        crate::strs::export,
        crate::console::index,
        crate::console::asset,
        crate::roles::change,
        crate::cases::attach,
        crate::cases::attachment,
        crate::screening_list::status,
        crate::merchant::onboard,
        crate::merchant::list,
        crate::merchant_qr::create,
        crate::merchant_qr::list,
        crate::merchant_sales::dashboard,
        crate::merchant_sales::payments,
        crate::merchant_sales::payments_csv,
        crate::merchant_refund::refund,
        crate::wallet::open,
        crate::wallet::get,
        crate::wallet::webhook,
        crate::wallet_transfer::create,
        crate::wallet_transfer::get,
    ),
    tags((name = "platform", description = "Health and API description"),
         (name = "auth", description = "BankID login and sessions"),
         (name = "user", description = "The signed-in user's profile and settings"),
         (name = "accounts", description = "Bank accounts linked through PSD2 consents"),
         (name = "recipients", description = "Who money is sent to"),
         (name = "payments", description = "Quotes, confirmation with SCA, history; paying merchants by QR code"),
         (name = "webhooks", description = "Provider callbacks"),
         (name = "wallet", description = "The euro account (Swan): open it, see its IBAN and balance"),
         (name = "merchants", description = "Businesses taking payments: onboarding from Enhetsregisteret"),
         (name = "admin", description = "Compliance staff"))
)]
pub struct ApiDoc;

/// The document as pretty JSON (the committed form).
pub fn json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = drop_runtime::config::VERSION.to_owned();
    let mut v = serde_json::to_value(&doc).unwrap_or_default();
    complete(&mut v);
    crate::contract::constrain(&mut v);
    serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into())
}

/// What the pipeline answers around every handler, added to each operation from the registry's
/// access rule (one place, so a new route is documented like the others): its security scheme;
/// 401 for signed-in routes, 403 where CSRF or the role can refuse; 429 with `Retry-After`, 413
/// and 503 everywhere; 400 where there is a body or parameters; and a problem+json body on every
/// error answer.
fn complete(doc: &mut Value) {
    let components = &mut doc["components"];
    components["schemas"]["Problem"] = json!({
        "type": "object",
        "description": "RFC 9457 problem details. `type` is stable: https://problems.drop.no/<slug>.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "field": {"type": "string", "description": "The request field that is invalid"}
        }
    });
    components["securitySchemes"] = json!({
        "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "__Host-drop_at",
            "description": "The access token cookie; unsafe methods also need X-Requested-With"},
        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "refreshCookie": {"type": "apiKey", "in": "cookie", "name": "__Secure-drop_rt"}
    });
    components["headers"]["Retry-After"] =
        json!({"description": "Seconds until a retry may succeed", "schema": {"type": "integer", "minimum": 1}});
    for f in crate::registry::FUNCTIONS {
        let Kind::Http { method, path, access, .. } = f.kind else { continue };
        let Some(op) = doc["paths"].get_mut(path).and_then(|p| p.get_mut(method.to_lowercase())) else { continue };
        let unsafe_method = !matches!(method, "GET" | "HEAD");
        match access {
            Access::Roles(roles) => {
                op["security"] = json!([{"cookieAuth": []}, {"bearerAuth": []}]);
                add(op, "401", "Not signed in, or the session has ended");
                if unsafe_method {
                    add(op, "403", "Missing X-Requested-With (cookie sessions)");
                }
                if roles.len() < 3 {
                    add(op, "403", "The role does not allow this");
                }
            }
            Access::RefreshCookie => {
                op["security"] = json!([{"refreshCookie": []}]);
                add(op, "403", "Missing X-Requested-With");
            }
            Access::Public => op["security"] = json!([]),
        }
        add(op, "503", "A store or partner did not answer; try again");
        add(op, "413", "The body is too large");
        add(op, "429", "Too many requests");
        op["responses"]["429"]["headers"]["Retry-After"] = json!({"$ref": "#/components/headers/Retry-After"});
        let has_params = op["parameters"].as_array().is_some_and(|p| !p.is_empty());
        if op.get("requestBody").is_some() || has_params {
            add(op, "400", "Malformed JSON, or an invalid field or parameter (named in `field`)");
        }
        if let Some(responses) = op["responses"].as_object_mut() {
            for (code, r) in responses.iter_mut() {
                if code.as_str() >= "400" {
                    if r.get("description").is_none() {
                        r["description"] = json!("See the problem's type");
                    }
                    if r.get("content").is_none() {
                        r["content"] = json!({"application/problem+json":
                            {"schema": {"$ref": "#/components/schemas/Problem"}}});
                    }
                }
            }
        }
    }
}

/// Adds a response unless the handler documents its own.
fn add(op: &mut Value, code: &str, description: &str) {
    if op["responses"].get(code).is_none() {
        op["responses"][code] = json!({"description": description});
    }
}
