//! Every Lambda function of Drop, with each route's access rule and rate-limit class: the one
//! route → roles table. A test checks this list against `template.yaml` and `src/bin/`.

use crate::auth::{callback, init, jwks, logout, refresh, register, verify};
use crate::platform::{canary, health, key_rotation, openapi_doc};
use crate::remit::{accounts, jobs, payments, recipients, webhooks};
use crate::user::{profile, settings};
use drop_domain::role::Role;
use drop_runtime::function::{Access, LimitClass};
use drop_runtime::{FunctionDef, Kind, Need};

const ANY_ROLE: Access = Access::Roles(&[Role::User, Role::Merchant, Role::Admin]);

macro_rules! http {
    ($name:ident, $bin:literal, $method:literal, $path:literal, $access:expr, $limit:ident, $handler:path, $uses:expr) => {
        pub static $name: FunctionDef = FunctionDef {
            name: $bin,
            kind: Kind::Http {
                method: $method,
                path: $path,
                access: $access,
                limit: LimitClass::$limit,
                handler: $handler,
                check: refuse_other_methods,
            },
            uses: $uses,
        };
    };
}

http!(HEALTH, "health", "GET", "/api/health", Access::Public, Default, health::handler, &[]);
http!(OPENAPI, "openapi", "GET", "/api/openapi.json", Access::Public, Default, openapi_doc::handler, &[]);
http!(AUTH_INIT, "auth-init", "POST", "/api/auth/bankid/init", Access::Public, Login, init::handler, &[Need::BankId]);
http!(
    AUTH_CALLBACK,
    "auth-callback",
    "GET",
    "/api/auth/bankid/callback",
    Access::Public,
    Login,
    callback::handler,
    &[Need::BankId, Need::BankIdExchange, Need::Screening]
);
http!(
    AUTH_REGISTER,
    "auth-register",
    "POST",
    "/api/auth/register",
    ANY_ROLE,
    Verify,
    register::handler,
    &[Need::Notify]
);
http!(AUTH_VERIFY, "auth-verify", "POST", "/api/auth/verify", ANY_ROLE, Verify, verify::handler, &[]);
http!(AUTH_REFRESH, "auth-refresh", "POST", "/api/auth/refresh", Access::RefreshCookie, Login, refresh::handler, &[]);
http!(AUTH_LOGOUT, "auth-logout", "POST", "/api/auth/logout", Access::RefreshCookie, Default, logout::handler, &[]);
http!(JWKS, "jwks", "GET", "/.well-known/jwks.json", Access::Public, Default, jwks::handler, &[]);
http!(PROFILE_GET, "profile-get", "GET", "/api/user/profile", ANY_ROLE, Default, profile::get_handler, &[]);
http!(
    PROFILE_UPDATE,
    "profile-update",
    "PATCH",
    "/api/user/profile",
    ANY_ROLE,
    Verify,
    profile::update_handler,
    &[Need::Notify]
);
http!(SETTINGS_GET, "settings-get", "GET", "/api/user/settings", ANY_ROLE, Default, settings::get_handler, &[]);
http!(SETTINGS_PUT, "settings-put", "PUT", "/api/user/settings", ANY_ROLE, Default, settings::put_handler, &[]);

http!(
    ACCOUNTS_LINK,
    "accounts-link",
    "POST",
    "/api/user/accounts",
    ANY_ROLE,
    Default,
    accounts::link_handler,
    &[Need::Bank]
);
http!(
    ACCOUNTS_CALLBACK,
    "accounts-callback",
    "GET",
    "/api/user/accounts/callback",
    Access::Public,
    Login,
    accounts::callback_handler,
    &[Need::Bank]
);
http!(ACCOUNTS_LIST, "accounts-list", "GET", "/api/user/accounts", ANY_ROLE, Default, accounts::list_handler, &[]);
http!(
    ACCOUNTS_DELETE,
    "accounts-delete",
    "DELETE",
    "/api/user/accounts/{id}",
    ANY_ROLE,
    Default,
    accounts::remove_handler,
    &[Need::Bank]
);
http!(
    RECIPIENTS_CREATE,
    "recipients-create",
    "POST",
    "/api/user/recipients",
    ANY_ROLE,
    Default,
    recipients::create_handler,
    &[Need::Screening]
);
http!(
    RECIPIENTS_LIST,
    "recipients-list",
    "GET",
    "/api/user/recipients",
    ANY_ROLE,
    Default,
    recipients::list_handler,
    &[]
);
http!(
    RECIPIENTS_DELETE,
    "recipients-delete",
    "DELETE",
    "/api/user/recipients/{id}",
    ANY_ROLE,
    Default,
    recipients::remove_handler,
    &[]
);
http!(
    PAYMENT_INITIATE,
    "payment-initiate",
    "POST",
    "/api/payment/initiate",
    ANY_ROLE,
    Default,
    payments::initiate_handler,
    &[Need::Wise, Need::Thunes, Need::PaymentLimits]
);
http!(
    PAYMENT_CONFIRM,
    "payment-confirm",
    "POST",
    "/api/payment/confirm",
    ANY_ROLE,
    Default,
    payments::confirm_handler,
    &[Need::Bank, Need::PaymentLimits, Need::Aml, Need::Screening, Need::Cursors]
);
http!(
    PAYMENT_SCA_CALLBACK,
    "payment-sca-callback",
    "GET",
    "/api/payment/sca-callback",
    Access::Public,
    Login,
    payments::sca_callback_handler,
    &[Need::Bank, Need::Cursors]
);
http!(PAYMENT_GET, "payment-get", "GET", "/api/payment/{id}", ANY_ROLE, Default, payments::get_handler, &[]);
http!(
    PAYMENT_HISTORY,
    "payment-history",
    "GET",
    "/api/payment/history",
    ANY_ROLE,
    Default,
    payments::history_handler,
    &[Need::Cursors]
);
http!(
    PAYMENT_CANCEL,
    "payment-cancel",
    "POST",
    "/api/payment/{id}/cancel",
    ANY_ROLE,
    Default,
    payments::cancel_handler,
    &[Need::Bank]
);
http!(
    PAYMENT_QR_INITIATE,
    "payment-qr-initiate",
    "POST",
    "/api/payment/qr/initiate",
    ANY_ROLE,
    Default,
    crate::qr_pay::initiate_handler,
    &[Need::PaymentLimits]
);
http!(
    PAYMENT_QR_CONFIRM,
    "payment-qr-confirm",
    "POST",
    "/api/payment/qr/confirm",
    ANY_ROLE,
    Default,
    crate::qr_pay::confirm_handler,
    &[Need::Bank, Need::PaymentLimits, Need::Aml, Need::Cursors]
);
http!(
    PAYMENT_REQUEST_CREATE,
    "payment-request-create",
    "POST",
    "/api/payment/requests",
    ANY_ROLE,
    Default,
    crate::payment_requests::create_handler,
    &[Need::PaymentLimits]
);
http!(
    PAYMENT_REQUEST_LIST,
    "payment-request-list",
    "GET",
    "/api/payment/requests",
    ANY_ROLE,
    Default,
    crate::payment_requests::list_handler,
    &[]
);
http!(
    PAYMENT_QR_GET,
    "payment-qr-get",
    "GET",
    "/api/payment/qr/{id}",
    ANY_ROLE,
    Default,
    crate::qr_pay::get_handler,
    &[]
);
http!(
    WEBHOOK_WISE,
    "webhook-wise",
    "POST",
    "/api/webhooks/wise",
    Access::Public,
    Default,
    webhooks::wise_handler,
    &[Need::Wise, Need::WiseWebhook]
);
http!(
    WEBHOOK_THUNES,
    "webhook-thunes",
    "POST",
    "/api/webhooks/thunes",
    Access::Public,
    Default,
    webhooks::thunes_handler,
    &[Need::Thunes]
);
http!(
    WEBHOOK_NEXI,
    "webhook-nexi",
    "POST",
    "/api/webhooks/nexi",
    Access::Public,
    Default,
    crate::qr_settlement::nexi_handler,
    &[Need::Acquirer]
);
http!(
    WEBHOOK_SWAN,
    "webhook-swan",
    "POST",
    "/api/webhooks/swan",
    Access::Public,
    Default,
    crate::wallet::webhook_handler,
    &[Need::Banking, Need::BankingWebhook, Need::Screening]
);
http!(
    WALLET_OPEN,
    "wallet-open",
    "POST",
    "/api/user/wallet",
    ANY_ROLE,
    Default,
    crate::wallet::open_handler,
    &[Need::Banking]
);
http!(
    WALLET_GET,
    "wallet-get",
    "GET",
    "/api/user/wallet",
    ANY_ROLE,
    Default,
    crate::wallet::get_handler,
    &[Need::Banking]
);
http!(
    WALLET_TRANSFER,
    "wallet-transfer",
    "POST",
    "/api/wallet/transfers",
    ANY_ROLE,
    Default,
    crate::wallet_transfer::create_handler,
    &[Need::Banking, Need::Screening]
);
http!(
    WALLET_TRANSFER_GET,
    "wallet-transfer-get",
    "GET",
    "/api/wallet/transfers/{id}",
    ANY_ROLE,
    Default,
    crate::wallet_transfer::get_handler,
    &[Need::Banking]
);
http!(
    ADMIN_ALERTS,
    "admin-alerts",
    "GET",
    "/api/admin/alerts",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::admin::alerts_handler,
    &[]
);

http!(
    ADMIN_ALERT_CLOSE,
    "admin-alert-close",
    "POST",
    "/api/admin/alerts/{id}/close",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::admin::close_handler,
    &[]
);

http!(
    ADMIN_CASES,
    "admin-cases",
    "GET",
    "/api/admin/cases",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::cases::list_handler,
    &[]
);

http!(
    ADMIN_CASE_GET,
    "admin-case-get",
    "GET",
    "/api/admin/cases/{id}",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::cases::get_handler,
    &[]
);

http!(
    ADMIN_CASE_ASSIGN,
    "admin-case-assign",
    "POST",
    "/api/admin/cases/{id}/assign",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::cases::assign_handler,
    &[]
);

http!(
    ADMIN_CASE_NOTE,
    "admin-case-note",
    "POST",
    "/api/admin/cases/{id}/notes",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::cases::note_handler,
    &[]
);

http!(
    ADMIN_CASE_LINK,
    "admin-case-link",
    "POST",
    "/api/admin/cases/{id}/links",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::cases::link_handler,
    &[]
);

http!(
    ADMIN_CASE_TRANSITION,
    "admin-case-transition",
    "POST",
    "/api/admin/cases/{id}/transition",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::cases::transition_handler,
    &[]
);

http!(
    ADMIN_STR_DRAFT,
    "admin-str-draft",
    "POST",
    "/api/admin/cases/{id}/str",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::strs::draft_handler,
    &[]
);

http!(
    ADMIN_STR_GET,
    "admin-str-get",
    "GET",
    "/api/admin/strs/{id}",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::strs::get_handler,
    &[]
);

http!(
    ADMIN_STR_EDIT,
    "admin-str-edit",
    "PATCH",
    "/api/admin/strs/{id}",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::strs::edit_handler,
    &[]
);

http!(
    ADMIN_STR_TRANSITION,
    "admin-str-transition",
    "POST",
    "/api/admin/strs/{id}/transition",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::strs::transition_handler,
    &[]
);

http!(
    ADMIN_STR_EXPORT,
    "admin-str-export",
    "GET",
    "/api/admin/strs/{id}/export",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::strs::export_handler,
    &[Need::Reporting]
);

http!(CONSOLE, "console", "GET", "/console", Access::Public, Default, crate::console::index_handler, &[]);
http!(
    CONSOLE_ASSET,
    "console-asset",
    "GET",
    "/console/assets/{file}",
    Access::Public,
    Default,
    crate::console::asset_handler,
    &[]
);

http!(
    ADMIN_ROLES,
    "admin-roles",
    "POST",
    "/api/admin/roles",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::roles::change_handler,
    &[]
);

http!(
    ADMIN_CASE_ATTACH,
    "admin-case-attach",
    "POST",
    "/api/admin/cases/{id}/attachments",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::cases::attach_handler,
    &[Need::CaseFiles]
);

http!(
    ADMIN_CASE_ATTACHMENT,
    "admin-case-attachment",
    "GET",
    "/api/admin/cases/{id}/attachments/{attachmentId}",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::cases::attachment_handler,
    &[Need::CaseFiles]
);

http!(
    ADMIN_SCREENING_LIST,
    "admin-screening-list",
    "GET",
    "/api/admin/screening-list",
    Access::Roles(&[Role::Admin]),
    Default,
    crate::screening_list::status_handler,
    &[Need::Screening]
);

http!(
    MERCHANT_ONBOARD,
    "merchant-onboard",
    "POST",
    "/api/merchant/onboard",
    ANY_ROLE,
    Default,
    crate::merchant::onboard_handler,
    &[Need::BusinessRegister, Need::Screening]
);
http!(
    MERCHANT_QR_CREATE,
    "merchant-qr-create",
    "POST",
    "/api/merchant/qr",
    ANY_ROLE,
    Default,
    crate::merchant_qr::create_handler,
    &[]
);
http!(
    MERCHANT_DASHBOARD,
    "merchant-dashboard",
    "GET",
    "/api/merchant/dashboard",
    ANY_ROLE,
    Default,
    crate::merchant_sales::dashboard_handler,
    &[]
);
http!(
    MERCHANT_PAYMENTS,
    "merchant-payments",
    "GET",
    "/api/merchant/payments",
    ANY_ROLE,
    Default,
    crate::merchant_sales::payments_handler,
    &[Need::Cursors]
);
http!(
    MERCHANT_REFUND,
    "merchant-refund",
    "POST",
    "/api/merchant/payments/{id}/refund",
    ANY_ROLE,
    Default,
    crate::merchant_refund::refund_handler,
    &[Need::Bank, Need::Acquirer]
);
http!(
    MERCHANT_PAYMENTS_CSV,
    "merchant-payments-csv",
    "GET",
    "/api/merchant/payments.csv",
    ANY_ROLE,
    Default,
    crate::merchant_sales::payments_csv_handler,
    &[]
);
http!(
    MERCHANT_QR_LIST,
    "merchant-qr-list",
    "GET",
    "/api/merchant/qr",
    ANY_ROLE,
    Default,
    crate::merchant_qr::list_handler,
    &[]
);
http!(MERCHANT_LIST, "merchant-list", "GET", "/api/merchant", ANY_ROLE, Default, crate::merchant::list_handler, &[]);

pub static PAYOUT_WORKER: FunctionDef = FunctionDef {
    name: "payout-worker",
    kind: Kind::Sqs { handler: jobs::payout_handler },
    uses: &[Need::Bank, Need::Wise, Need::Thunes],
};

pub static QR_SETTLEMENT_WORKER: FunctionDef = FunctionDef {
    name: "qr-settlement-worker",
    kind: Kind::Sqs { handler: crate::qr_settlement::submit_handler },
    uses: &[Need::Acquirer],
};

pub static PAYMENT_MONITOR: FunctionDef = FunctionDef {
    name: "payment-monitor",
    kind: Kind::Sqs { handler: jobs::monitor_handler },
    uses: &[Need::Aml, Need::ReferenceRates],
};

pub static SCREENING_RESCREEN: FunctionDef = FunctionDef {
    name: "screening-rescreen",
    kind: Kind::Schedule { handler: crate::rescreen::handler },
    uses: &[Need::Screening],
};

pub static SCREENING_LIST_REFRESH: FunctionDef = FunctionDef {
    name: "screening-list-refresh",
    kind: Kind::Schedule { handler: crate::screening_list::refresh_handler },
    uses: &[Need::Screening, Need::ListPublishing],
};

pub static PAYMENT_RECONCILIATION: FunctionDef = FunctionDef {
    name: "payment-reconciliation",
    kind: Kind::Schedule { handler: jobs::reconcile_handler },
    uses: &[Need::Bank, Need::Wise, Need::Thunes, Need::Acquirer],
};

pub static MERCHANT_SETTLEMENT_REPORT: FunctionDef = FunctionDef {
    name: "merchant-settlement-report",
    kind: Kind::Schedule { handler: crate::qr_settlement::report_handler },
    uses: &[Need::Acquirer],
};

pub static WALLET_RECONCILIATION: FunctionDef = FunctionDef {
    name: "wallet-reconciliation",
    kind: Kind::Schedule { handler: crate::wallet::reconcile_handler },
    uses: &[Need::Banking, Need::Screening],
};

pub static WALLET_BALANCE_CHECK: FunctionDef = FunctionDef {
    name: "wallet-balance-check",
    kind: Kind::Schedule { handler: crate::wallet::balance_check_handler },
    uses: &[Need::Banking, Need::Screening],
};

pub static LEDGER_INVARIANTS: FunctionDef =
    FunctionDef { name: "ledger-invariants", kind: Kind::Schedule { handler: jobs::invariants_handler }, uses: &[] };

pub static PIPELINE_CANARY: FunctionDef =
    FunctionDef { name: "pipeline-canary", kind: Kind::Schedule { handler: canary::send_handler }, uses: &[] };

pub static SIGNING_KEY_ROTATION: FunctionDef = FunctionDef {
    name: "signing-key-rotation",
    kind: Kind::Schedule { handler: key_rotation::handler },
    uses: &[Need::Tokens],
};

pub static SECRET_ROTATION: FunctionDef = FunctionDef {
    name: "secret-rotation",
    kind: Kind::Invoke { handler: crate::platform::secret_rotation::handler },
    uses: &[Need::SecretRotation],
};

pub static CASE_INTAKE: FunctionDef =
    FunctionDef { name: "case-intake", kind: Kind::Sqs { handler: crate::cases::intake_handler }, uses: &[] };

pub static CANARY_CONSUMER: FunctionDef =
    FunctionDef { name: "canary-consumer", kind: Kind::Sqs { handler: canary::receive_handler }, uses: &[] };

pub static FUNCTIONS: &[&FunctionDef] = &[
    &HEALTH,
    &OPENAPI,
    &AUTH_INIT,
    &AUTH_CALLBACK,
    &AUTH_REGISTER,
    &AUTH_VERIFY,
    &AUTH_REFRESH,
    &AUTH_LOGOUT,
    &JWKS,
    &PROFILE_GET,
    &PROFILE_UPDATE,
    &SETTINGS_GET,
    &SETTINGS_PUT,
    &ACCOUNTS_LINK,
    &ACCOUNTS_CALLBACK,
    &ACCOUNTS_LIST,
    &ACCOUNTS_DELETE,
    &RECIPIENTS_CREATE,
    &RECIPIENTS_LIST,
    &RECIPIENTS_DELETE,
    &PAYMENT_INITIATE,
    &PAYMENT_CONFIRM,
    &PAYMENT_SCA_CALLBACK,
    &PAYMENT_GET,
    &PAYMENT_HISTORY,
    &PAYMENT_CANCEL,
    &PAYMENT_QR_INITIATE,
    &PAYMENT_QR_CONFIRM,
    &MERCHANT_REFUND,
    &PAYMENT_QR_GET,
    &PAYMENT_REQUEST_CREATE,
    &PAYMENT_REQUEST_LIST,
    &WEBHOOK_WISE,
    &WEBHOOK_THUNES,
    &WEBHOOK_NEXI,
    &WEBHOOK_SWAN,
    &WALLET_OPEN,
    &WALLET_GET,
    &WALLET_TRANSFER,
    &WALLET_TRANSFER_GET,
    &ADMIN_ALERTS,
    &ADMIN_ALERT_CLOSE,
    &ADMIN_CASES,
    &ADMIN_CASE_GET,
    &ADMIN_CASE_ASSIGN,
    &ADMIN_CASE_NOTE,
    &ADMIN_CASE_LINK,
    &ADMIN_CASE_TRANSITION,
    &ADMIN_STR_DRAFT,
    &ADMIN_STR_GET,
    &ADMIN_STR_EDIT,
    &ADMIN_STR_TRANSITION,
    &ADMIN_STR_EXPORT,
    &CASE_INTAKE,
    &CONSOLE,
    &CONSOLE_ASSET,
    &ADMIN_ROLES,
    &ADMIN_CASE_ATTACH,
    &ADMIN_CASE_ATTACHMENT,
    &PAYOUT_WORKER,
    &QR_SETTLEMENT_WORKER,
    &PAYMENT_MONITOR,
    &PAYMENT_RECONCILIATION,
    &LEDGER_INVARIANTS,
    &MERCHANT_SETTLEMENT_REPORT,
    &WALLET_RECONCILIATION,
    &WALLET_BALANCE_CHECK,
    &SCREENING_RESCREEN,
    &SCREENING_LIST_REFRESH,
    &ADMIN_SCREENING_LIST,
    &MERCHANT_ONBOARD,
    &MERCHANT_LIST,
    &MERCHANT_QR_CREATE,
    &MERCHANT_QR_LIST,
    &MERCHANT_DASHBOARD,
    &MERCHANT_PAYMENTS,
    &MERCHANT_PAYMENTS_CSV,
    &PIPELINE_CANARY,
    &SIGNING_KEY_ROTATION,
    &SECRET_ROTATION,
    &CANARY_CONSUMER,
];

/// 405 with `Allow` when the request's path is another route's literal path with other methods:
/// API Gateway sends `GET /api/payment/confirm` to `GET /api/payment/{id}` (the most specific
/// match), but the path names the confirm resource, which has no GET.
fn refuse_other_methods(req: &drop_runtime::ApiRequest) -> Result<(), drop_runtime::ApiError> {
    let mut allow: Vec<&str> = FUNCTIONS
        .iter()
        .filter_map(|f| match f.kind {
            Kind::Http { method, path, .. } if !path.contains('{') && path == req.path => Some(method),
            _ => None,
        })
        .collect();
    if allow.is_empty() || allow.contains(&req.method.as_str()) {
        return Ok(());
    }
    allow.push("OPTIONS");
    allow.sort_unstable();
    let mut e = drop_runtime::ApiError::method_not_allowed();
    e.headers.push(("allow", allow.join(", ")));
    Err(e)
}

pub fn find(name: &str) -> Option<&'static FunctionDef> {
    FUNCTIONS.iter().copied().find(|f| f.name == name)
}
