//! BankID login and sessions.

pub mod callback;
pub mod init;
pub mod jwks;
pub mod logout;
pub mod refresh;
pub mod register;
pub mod verify;

use drop_runtime::cookies;
use drop_runtime::ApiResponse;
use drop_services::auth::refresh::ABSOLUTE_SECS;
use drop_services::auth::tokens::ACCESS_TTL_SECS;

/// Sets both session cookies on a response.
pub fn set_session(resp: &mut ApiResponse, access: &str, refresh: &str) {
    resp.header("set-cookie", &cookies::access(access, ACCESS_TTL_SECS));
    resp.header("set-cookie", &cookies::refresh(refresh, ABSOLUTE_SECS));
    resp.header("cache-control", "no-store");
}

pub fn clear_session(resp: &mut ApiResponse) {
    for c in cookies::clear() {
        resp.header("set-cookie", &c);
    }
    resp.header("cache-control", "no-store");
}
