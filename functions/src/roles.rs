//! Admins grant and revoke roles with four eyes: `POST /api/admin/roles {userId, role}` by one
//! admin proposes (202), the same request by a second admin applies it (200; audited on the user's
//! chain and SYSTEM's). No admin changes their own role.

use drop_domain::role::Role;
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleRequest {
    #[schema(min_length = 1, max_length = 64)]
    pub user_id: String,
    /// user, merchant or admin
    pub role: String,
}

/// What a role request did.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleChange {
    /// awaiting_second_admin, or applied
    pub status: String,
    pub user_id: String,
    pub role: String,
}

#[utoipa::path(post, path = "/api/admin/roles", tag = "admin", request_body = RoleRequest,
    responses((status = 200, description = "Applied by the second admin (from the user's next login)", body = RoleChange),
              (status = 202, description = "Proposed; a second admin must make the same request", body = RoleChange),
              (status = 400, description = "Unknown role, or one's own role"), (status = 401), (status = 403, description = "Not an admin"),
              (status = 404, description = "No such user"),
              (status = 409, description = "The proposer cannot apply it (four-eyes), or another role is proposed")))]
pub async fn change(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let b: RoleRequest = req.json()?;
    let role = Role::parse(&b.role).ok_or_else(|| ApiError::invalid_field("role", "user, merchant or admin"))?;
    if b.user_id == admin {
        return Err(ApiError::invalid_field("userId", "an admin does not change their own role"));
    }
    let table = ctx.table.as_ref();
    if drop_services::auth::users::get(table, &b.user_id).await?.is_none() {
        return Err(ApiError::not_found());
    }
    let now = ctx.clock.epoch();
    let pk = drop_domain::keys::user_pk(&b.user_id);
    let view =
        |status: &str| RoleChange { status: status.into(), user_id: b.user_id.clone(), role: role.as_str().into() };
    match drop_services::four_eyes::step(table, &pk, "role", role.as_str(), &admin, now).await? {
        drop_services::four_eyes::Step::Proposed => {
            let details = serde_json::json!({"user": b.user_id, "role": role.as_str()});
            crate::audit::record(&ctx, &req, &b.user_id, "role.proposed", &admin, details).await;
            ApiResponse::json(StatusCode::ACCEPTED, &view("awaiting_second_admin"))
        }
        drop_services::four_eyes::Step::Second { proposed_by, consume } => {
            // The proposal is consumed first: a second approval of the same proposal fails.
            table
                .transact(vec![consume])
                .await
                .map_err(|_| drop_services::four_eyes::FourEyesError::Differs("gone".into()))?;
            let operator = format!("admins:{proposed_by}+{admin}");
            drop_services::auth::users::grant_role(table, ctx.audit.as_ref(), &b.user_id, role, &operator, now).await?;
            ApiResponse::json(StatusCode::OK, &view("applied"))
        }
    }
}

crate::handler!(change_handler, change);
