//! `GET /api/auth/bankid/callback?code&state`: BankID's redirect back. Verifies the ID token,
//! applies the age and residency rules, finds or creates the user, starts a session and sends the
//! browser to the frontend (`/onboarding` for a new user, `/dashboard` otherwise).

use crate::audit;
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::auth::login::{self, Admission};
use drop_services::auth::tokens::Principal;
use drop_services::auth::{refresh, users, AuthError};
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::Arc;

#[utoipa::path(get, path = "/api/auth/bankid/callback", tag = "auth",
    params(("code" = Option<String>, Query, description = "Authorization code"),
           ("state" = Option<String>, Query, description = "The login's state"),
           ("error" = Option<String>, Query, description = "Set when BankID did not complete the login")),
    responses((status = 303, description = "Logged in: session cookies set; Location is the frontend"),
              (status = 400, description = "Unknown, expired or used login state"),
              (status = 401, description = "BankID did not confirm the login (login-refused)"),
              (status = 502, description = "BankID did not answer"),
              (status = 403, description = "Under 18 or not resident; or a browser that did not start this login (login-not-started-here)")))]
pub async fn callback(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    // A login the console started returns to the console (the API's own origin).
    let console =
        drop_runtime::cookies::get(&req.headers, drop_runtime::cookies::LOGIN_RETURN).as_deref() == Some("console");
    let frontend = ctx.config.http()?.frontend_origin.clone();
    let wired = Wired {
        idp: ctx.idp()?,
        tokens: ctx.tokens()?,
        rules: match &ctx.config.bankid_exchange {
            Some(b) => Admission { allow_d_number: b.allow_d_number, allow_synthetic: b.allow_synthetic_nin },
            None => return Err(drop_runtime::config::Unwired("BankIdExchange").into()),
        },
    };
    // Only the browser that started this login may finish it (login CSRF): checked first, so a
    // browser that did not start one learns nothing else.
    let state = req.query.get("state").map(String::as_str).unwrap_or_default();
    if !drop_runtime::cookies::is_bound(&req.headers, drop_runtime::cookies::LOGIN_FLOW, state) {
        audit::record(&ctx, &req, "SYSTEM", "login.failure", "anonymous", serde_json::json!({"reason": "browser"}))
            .await;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "login-not-started-here",
            "Login not started here",
            "this login was not started in this browser; start again",
        ));
    }
    if let Some(error) = req.query.get("error") {
        let reason =
            if error.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') { error.as_str() } else { "error" };
        audit::record(&ctx, &req, "SYSTEM", "login.failure", "anonymous", serde_json::json!({"reason": reason})).await;
        let mut r = ApiResponse::empty(StatusCode::SEE_OTHER);
        match console {
            true => r.header("location", &format!("{}/console?error={reason}", ctx.config.api_base_url()?)),
            false => r.header("location", &format!("{frontend}/login?error={reason}")),
        }
        return Ok(r);
    }
    let Some(code) = req.query.get("code") else {
        return Err(ApiError::bad_request("invalid-login-state", "code and state are required"));
    };
    let outcome = login(&ctx, &wired, code, state).await;
    let (user, access, refresh_token) = match outcome {
        Ok(v) => v,
        Err(e) => {
            let reason = match &e {
                AuthError::Underage => "underage",
                AuthError::NotResident(_) => "not_resident",
                AuthError::Identity(_) => "identity",
                AuthError::LoginState => "state",
                AuthError::Token(_) | AuthError::ProviderRefused(_) => "token",
                _ => "error",
            };
            audit::record(&ctx, &req, "SYSTEM", "login.failure", "anonymous", serde_json::json!({"reason": reason}))
                .await;
            return Err(e.into());
        }
    };
    audit::record(
        &ctx,
        &req,
        &user.user_id,
        "login.success",
        &user.user_id,
        serde_json::json!({"newUser": user.created}),
    )
    .await;
    let next = if user.created || user.status == "onboarding" { "/onboarding" } else { "/dashboard" };
    let mut r = ApiResponse::empty(StatusCode::SEE_OTHER);
    match console {
        true => r.header("location", &format!("{}/console", ctx.config.api_base_url()?)),
        false => r.header("location", &format!("{frontend}{next}")),
    }
    super::set_session(&mut r, &access, &refresh_token);
    r.header("set-cookie", &drop_runtime::cookies::unbind(drop_runtime::cookies::LOGIN_FLOW));
    if console {
        r.header("set-cookie", &drop_runtime::cookies::unbind(drop_runtime::cookies::LOGIN_RETURN));
    }
    Ok(r)
}

/// What the login needs from the function's wiring, resolved before anything happens.
struct Wired<'a> {
    idp: &'a dyn drop_services::auth::login::IdentityProvider,
    tokens: &'a drop_services::auth::tokens::TokenService,
    rules: Admission,
}

async fn login(
    ctx: &Ctx,
    wired: &Wired<'_>,
    code: &str,
    state: &str,
) -> Result<(users::UserRecord, String, String), AuthError> {
    let claims = login::finish(ctx.table.as_ref(), wired.idp, code, state).await?;
    let nin = login::admit(&claims, wired.rules, ctx.clock.now())?;
    let now = ctx.clock.epoch();
    let user = users::find_or_create(ctx.table.as_ref(), &ctx.crypto, &nin, &claims, now).await?;
    if user.created {
        screen_new_user(ctx, &user.user_id, &claims, now).await;
    }
    let (session, refresh_token) = refresh::start(ctx.table.as_ref(), &user.user_id, user.role, now).await?;
    let access =
        wired.tokens.issue(&Principal { user_id: user.user_id.clone(), role: user.role, sid: session.family }).await?;
    Ok((user, access, refresh_token))
}

/// Sign-up screening: a hit raises an alert for compliance and holds the user's transfers until
/// the alert is closed (block and review); the user is not told.
async fn screen_new_user(ctx: &Ctx, user_id: &str, claims: &login::IdClaims, now: i64) {
    let mut names = Vec::new();
    if let Some(n) = &claims.name {
        names.push(n.expose().clone());
    }
    if let (Some(g), Some(f)) = (&claims.given_name, &claims.family_name) {
        names.push(format!("{} {}", g.expose(), f.expose()));
    }
    let birth = claims.birthdate.as_deref().and_then(drop_domain::screening::index::parse_birth);
    let party = drop_domain::screening::Party { names, birth, countries: vec!["no".into()], gender: None };
    let subject = drop_services::screening::Subject {
        subject_type: "user",
        subject_id: user_id,
        user_id,
        trigger: "onboarding",
        alert_id: None,
    };
    let screener = ctx.lists.current().await;
    match drop_services::screening::screen(ctx.table.as_ref(), &screener, &subject, &party, now).await {
        Ok(v) => tracing::info!(verdict = v.as_str(), "sign-up screened"),
        Err(e) => tracing::error!(error = %e, "sign-up screening not stored"),
    }
}

pub fn handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(callback(ctx, req))
}
