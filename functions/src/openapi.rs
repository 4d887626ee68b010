//! The OpenAPI 3.1 document, generated from the handlers' request and response types. A copy is
//! committed at `infra/openapi.json`; a test fails when it is stale.

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
        crate::remit::webhooks::wise,
        crate::remit::webhooks::thunes,
        crate::admin::alerts,
        crate::admin::close,
    ),
    tags((name = "platform", description = "Health and API description"),
         (name = "auth", description = "BankID login and sessions"),
         (name = "user", description = "The signed-in user's profile and settings"),
         (name = "accounts", description = "Bank accounts linked through PSD2 consents"),
         (name = "recipients", description = "Who money is sent to"),
         (name = "payments", description = "Quotes, confirmation with SCA, history"),
         (name = "webhooks", description = "Provider callbacks"),
         (name = "admin", description = "Compliance staff"))
)]
pub struct ApiDoc;

/// The document as pretty JSON (the committed form).
pub fn json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = drop_runtime::config::VERSION.to_owned();
    doc.to_pretty_json().unwrap_or_else(|_| "{}".into())
}
