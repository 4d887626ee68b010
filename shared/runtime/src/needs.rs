//! What a function is wired with. Each function declares its needs in the registry; its
//! configuration reads only those needs' variables and its context builds only those clients (a
//! function that never calls Wise neither builds a Wise client nor sees Wise's settings). A test
//! holds each function's environment in `template.yaml` to exactly these variables.

/// One thing a function may be wired with, beyond what every function has (the tables, the keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// An HTTP route: CORS and CSRF origin, access-token verification, body and rate limits.
    /// Implied by `Kind::Http`.
    Http,
    /// Signs access tokens outside a request (the signing-key rotation).
    Tokens,
    /// Starts BankID logins (OIDC authorization requests).
    BankId,
    /// Finishes them: exchanges the code with the client secret, admits the person.
    BankIdExchange,
    /// The user's bank (PSD2: account information and payment initiation, refunds from
    /// Drop's safeguarding account).
    Bank,
    /// Wise payouts.
    Wise,
    /// Verifies Wise's webhook signatures.
    WiseWebhook,
    /// Thunes payouts.
    Thunes,
    /// The merchant acquirer (Nexi Checkout) that settles QR payments to merchants.
    Acquirer,
    /// The banking provider (Swan) that holds users' euro accounts.
    Banking,
    /// Checks the banking provider's webhook secret.
    BankingWebhook,
    /// Payment limits (per payment, day, month).
    PaymentLimits,
    /// AML monitoring thresholds.
    Aml,
    /// Sends SMS and e-mail.
    Notify,
    /// Screens against the published sanctions list.
    Screening,
    /// Looks organisations up in Brønnøysund's Enhetsregisteret.
    BusinessRegister,
    /// Reads reference exchange rates (Norges Bank) to value foreign currency in kroner.
    ReferenceRates,
    /// Exports suspicious transaction reports (the reporting entity's id at the FIU).
    Reporting,
    /// Stores and reads compliance case attachments (their bucket and its key).
    CaseFiles,
    /// Publishes the sanctions list (fetches the licensed delivery).
    ListPublishing,
    /// Gives out paging cursors.
    Cursors,
    /// Rotates secrets (Secrets Manager's rotation steps).
    SecretRotation,
}

/// Variables every function reads: the environment, the tables and the keys (the KMS key ids only
/// with the AWS adapters).
pub const CORE: &[&str] = &["DROP_ENV", "TABLE_NAME", "AUDIT_TABLE_NAME", "PII_KEY_ID", "BLIND_INDEX_KEY_ID"];

/// Variables the local stack and the benchmarks set; never in the template.
pub const LOCAL: &[&str] = &[
    "DROP_ADAPTERS",
    "DROP_DB_PATH",
    "DROP_KEY_FILE",
    "DROP_SECRETS_FILE",
    "DROP_OBJECTS_DIR",
    "DROP_LOCAL_MESSAGES",
    "DROP_COUNT_TABLE_CALLS",
];

impl Need {
    pub const ALL: &'static [Need] = &[
        Need::Http,
        Need::Tokens,
        Need::BankId,
        Need::BankIdExchange,
        Need::Bank,
        Need::Wise,
        Need::WiseWebhook,
        Need::Thunes,
        Need::Acquirer,
        Need::Banking,
        Need::BankingWebhook,
        Need::PaymentLimits,
        Need::Aml,
        Need::Notify,
        Need::Screening,
        Need::BusinessRegister,
        Need::ReferenceRates,
        Need::Reporting,
        Need::CaseFiles,
        Need::ListPublishing,
        Need::Cursors,
        Need::SecretRotation,
    ];

    /// The variables the template must give a function with this need.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Need::Http => &["FRONTEND_ORIGIN", "API_BASE_URL"],
            Need::Tokens => &["API_BASE_URL"],
            Need::BankId => &["API_BASE_URL", "BANKID_ISSUER", "BANKID_CLIENT_ID"],
            Need::BankIdExchange => &["BANKID_CLIENT_SECRET_ID"],
            Need::Bank => &["API_BASE_URL", "BANK_BASE_URL", "SAFEGUARDING_ACCOUNT"],
            Need::Wise => &["API_BASE_URL", "WISE_BASE_URL", "WISE_PROFILE_ID", "WISE_API_TOKEN_SECRET_ID"],
            Need::WiseWebhook => &["WISE_WEBHOOK_PUBLIC_KEY"],
            Need::Thunes => &["API_BASE_URL", "THUNES_BASE_URL", "THUNES_CREDENTIALS_SECRET_ID"],
            Need::Acquirer => &["API_BASE_URL", "NEXI_BASE_URL", "NEXI_SECRET_KEY_SECRET_ID"],
            Need::Banking => &[
                "FRONTEND_ORIGIN",
                "SWAN_API_URL",
                "SWAN_OAUTH_URL",
                "SWAN_CLIENT_ID",
                "SWAN_CLIENT_SECRET_ID",
                "WALLET_COUNTRY",
            ],
            Need::BankingWebhook => &["SWAN_WEBHOOK_SECRET_ID"],
            Need::PaymentLimits => &[],
            Need::Aml => &["AML_REVIEW_AT", "AML_BLOCK_AT", "AML_DECLINE_AT"],
            Need::Notify => &["NOTIFY_FROM"],
            Need::Screening => &["SCREENING_BUCKET"],
            Need::BusinessRegister => &["BRREG_BASE_URL"],
            Need::ReferenceRates => &["REFERENCE_RATES_URL"],
            Need::Reporting => &["REPORTING_ENTITY_ID"],
            Need::CaseFiles => &["CASE_BUCKET", "CASE_KEY_ID"],
            Need::ListPublishing => &[
                "SCREENING_LIST_KEY_ID",
                "SCREENING_LIST_INDEX_URL",
                "SCREENING_LIST_RESOURCE",
                "SCREENING_LIST_AUTHORIZATION_SECRET_ID",
            ],
            Need::Cursors => &["CURSOR_KEY_SECRET_ID"],
            Need::SecretRotation => &["ROTATED_SECRET_IDS"],
        }
    }

    /// Variables read with a default when absent (the template may set them).
    pub fn optional(self) -> &'static [&'static str] {
        match self {
            Need::Http => &[
                "MAX_BODY_BYTES",
                "RATE_LIMIT_LOGIN_PER_IP",
                "RATE_LIMIT_VERIFY_PER_IP",
                "RATE_LIMIT_VERIFY_PER_USER",
                "RATE_LIMIT_PER_IP",
                "RATE_LIMIT_PER_USER",
            ],
            Need::BankIdExchange => &["ALLOW_D_NUMBER", "ALLOW_SYNTHETIC_NIN"],
            Need::Banking => &["WALLET_ENABLED"],
            Need::PaymentLimits => &["LIMIT_PER_PAYMENT", "LIMIT_PER_DAY", "LIMIT_PER_MONTH"],
            Need::Screening => &["SCREENING_LIST_PRELOAD", "SCREENING_LIST_CHECK_SECS", "SCREENING_LIST_MAX_AGE_HOURS"],
            _ => &[],
        }
    }
}

/// The variables a function with these needs must have (besides [`CORE`]), sorted, once each.
pub fn required_vars(needs: &[Need]) -> Vec<&'static str> {
    let mut v: Vec<&str> = needs.iter().flat_map(|n| n.required().iter().copied()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Every variable a function with these needs may read (besides [`CORE`] and [`LOCAL`]).
pub fn readable_vars(needs: &[Need]) -> Vec<&'static str> {
    let mut v: Vec<&str> = needs.iter().flat_map(|n| n.required().iter().chain(n.optional().iter()).copied()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_need_is_listed_once_and_names_no_core_variable() {
        let mut all = Need::ALL.to_vec();
        all.dedup();
        assert_eq!(all.len(), Need::ALL.len());
        for n in Need::ALL {
            for v in n.required().iter().chain(n.optional()) {
                assert!(!CORE.contains(v) && !LOCAL.contains(v), "{n:?}: {v}");
                assert!(!(n.required().contains(v) && n.optional().contains(v)), "{n:?}: {v} twice");
            }
        }
    }

    #[test]
    fn a_function_without_providers_reads_no_provider_variable() {
        let vars = readable_vars(&[Need::Http]);
        assert!(vars.iter().all(|v| !v.starts_with("WISE_") && !v.starts_with("THUNES_") && !v.starts_with("BANK")));
        assert_eq!(required_vars(&[Need::Wise, Need::Thunes]).iter().filter(|v| **v == "API_BASE_URL").count(), 1);
    }
}
