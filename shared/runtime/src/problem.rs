//! RFC 9457 problem details. Every error a client sees goes through here, with a stable `type`
//! URI; lower layers' errors are mapped to HTTP in this one place.

use drop_services::auth::AuthError;
use drop_services::crypto::CryptoError;
use drop_services::queue::QueueError;
use drop_services::TableError;
use http::StatusCode;

pub const TYPE_BASE: &str = "https://problems.drop.no/";

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// The last segment of the `type` URI: stable, documented, never reworded.
    pub slug: &'static str,
    pub title: &'static str,
    pub detail: String,
    /// The JSON field at fault, for validation errors.
    pub field: Option<String>,
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, slug: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        ApiError { status, slug, title, detail: detail.into(), field: None, headers: Vec::new() }
    }

    pub fn bad_request(slug: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, slug, "Bad request", detail)
    }

    pub fn invalid_field(field: impl Into<String>, detail: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "invalid-field", "A field is invalid", detail);
        e.field = Some(field.into());
        e
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", "no such resource")
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            "this route does not accept the method",
        )
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Payload too large",
            format!("the body may be at most {limit} bytes"),
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable", detail);
        e.headers.push(("retry-after", "1".into()));
        e
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized", "a valid session is required")
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", "your role does not allow this")
    }

    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "Forbidden",
            "cookie-authenticated changes need the X-Requested-With header from the app's origin",
        )
    }

    pub fn too_many(retry_after: i64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many requests",
            "slow down and try again later",
        );
        e.headers.push(("retry-after", retry_after.to_string()));
        e
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "something went wrong on our side; it has been logged",
        )
    }

    pub fn type_uri(&self) -> String {
        format!("{TYPE_BASE}{}", self.slug)
    }
}

impl From<drop_services::notify::NotifyError> for ApiError {
    fn from(e: drop_services::notify::NotifyError) -> Self {
        tracing::warn!(error = %e, "notifier");
        ApiError::unavailable("a dependency is busy; try again")
    }
}

impl From<TableError> for ApiError {
    fn from(e: TableError) -> Self {
        match e {
            TableError::Throttled | TableError::Unavailable(_) => ApiError::unavailable("storage is busy; try again"),
            TableError::ConditionFailed { .. } | TableError::TransactionCanceled { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "Conflict",
                "the resource changed meanwhile; fetch it and try again",
            ),
            TableError::BadCursor => ApiError::invalid_field("cursor", "not a cursor this API gave out"),
            TableError::Invalid(_) | TableError::Corrupt(_) => ApiError::internal(),
        }
    }
}

impl From<CryptoError> for ApiError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::Unavailable(_) => ApiError::unavailable("key service is busy; try again"),
            _ => ApiError::internal(),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        use StatusCode as S;
        match e {
            AuthError::Token(_) | AuthError::Session => ApiError::unauthorized(),
            AuthError::Reuse => ApiError::new(
                S::UNAUTHORIZED,
                "session-revoked",
                "Session revoked",
                "this session was ended for your safety; log in again",
            ),
            AuthError::LoginState => ApiError::bad_request(
                "invalid-login-state",
                "the login is unknown, expired or already used; start again",
            ),
            AuthError::Provider(_) => ApiError::new(
                S::BAD_GATEWAY,
                "identity-provider-unavailable",
                "Identity provider unavailable",
                "BankID did not answer; try again",
            ),
            AuthError::ProviderRefused(_) => {
                ApiError::new(S::UNAUTHORIZED, "login-refused", "Login refused", "BankID did not confirm the login")
            }
            AuthError::Underage => {
                ApiError::new(S::FORBIDDEN, "underage", "Not available", "Drop is for people aged 18 or older")
            }
            AuthError::NotResident(_) => ApiError::new(
                S::FORBIDDEN,
                "not-resident",
                "Not available",
                "Drop is for people registered as living in Norway (fødselsnummer)",
            ),
            AuthError::Identity(_) => ApiError::new(
                S::FORBIDDEN,
                "identity-not-accepted",
                "Not available",
                "the identity number from BankID could not be accepted",
            ),
            AuthError::Code => ApiError::bad_request("invalid-code", "the code is wrong or has expired"),
            AuthError::Attempts => {
                ApiError::new(S::TOO_MANY_REQUESTS, "too-many-attempts", "Too many attempts", "request a new code")
            }
            AuthError::Invalid(field) => ApiError::invalid_field(field, format!("{field} is not valid")),
            AuthError::Taken => ApiError::new(
                S::CONFLICT,
                "already-in-use",
                "Already in use",
                "these details belong to another account",
            ),
            AuthError::NotFound => ApiError::not_found(),
            AuthError::Unwired(what) => crate::config::Unwired(what).into(),
            AuthError::Storage(t) => t.into(),
            AuthError::Crypto(c) => c.into(),
            AuthError::Signer(_) | AuthError::Notify(_) => ApiError::unavailable("a dependency is busy; try again"),
        }
    }
}

impl From<drop_services::merchants::MerchantError> for ApiError {
    fn from(e: drop_services::merchants::MerchantError) -> Self {
        use drop_services::merchants::MerchantError as M;
        use StatusCode as S;
        match e {
            M::Invalid(field) => ApiError::invalid_field(field, format!("{field} is not valid")),
            M::UnknownOrganisation => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "unknown-organisation",
                "Unknown organisation",
                "Enhetsregisteret has no organisation with this number",
            ),
            M::Inactive(why) => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "organisation-inactive",
                "Organisation not active",
                format!("the organisation is {why}"),
            ),
            M::NotSignatory => ApiError::new(
                S::FORBIDDEN,
                "not-a-signatory",
                "Not a signatory",
                "you hold no role in Enhetsregisteret that may sign for this organisation",
            ),
            M::AlreadyOnboarded => ApiError::new(
                S::CONFLICT,
                "already-onboarded",
                "Already a merchant",
                "this organisation is already a Drop merchant",
            ),
            M::NotMember => ApiError::not_found(),
            M::NotScreened => ApiError::unavailable("onboarding is not possible right now; try again later"),
            M::MerchantInactive => ApiError::new(
                S::CONFLICT,
                "merchant-inactive",
                "Merchant not active",
                "the merchant cannot take payments yet",
            ),
            M::Register(_) => ApiError::unavailable("Enhetsregisteret did not answer; try again"),
            M::Storage(t) => t.into(),
            M::Crypto(c) => c.into(),
        }
    }
}

impl From<drop_services::remit::qr::QrRefusal> for ApiError {
    fn from(r: drop_services::remit::qr::QrRefusal) -> Self {
        use drop_services::remit::qr::QrRefusal as Q;
        use StatusCode as S;
        match r {
            Q::InvalidQr(why) => ApiError::new(S::BAD_REQUEST, "invalid-qr", "Not a valid QR code", why),
            Q::UnknownMerchant => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "unknown-merchant",
                "Unknown merchant",
                "this is not a Drop code, or its merchant or code does not exist",
            ),
            Q::Expired => ApiError::new(S::GONE, "qr-expired", "Code expired", "ask the merchant for a new code"),
            Q::AlreadyPaid => {
                ApiError::new(S::CONFLICT, "qr-already-paid", "Already paid", "this code has been paid already")
            }
            Q::MerchantInactive => ApiError::new(
                S::CONFLICT,
                "merchant-inactive",
                "Merchant not active",
                "the merchant cannot take payments now",
            ),
            Q::OwnRequest => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "own-request",
                "Your own request",
                "this is your own payment request",
            ),
            Q::AmountRequired => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "amount-required",
                "Amount required",
                "this code has no amount: enter one",
            ),
        }
    }
}

impl From<drop_services::remit::merchant_refund::RefundRefusal> for ApiError {
    fn from(r: drop_services::remit::merchant_refund::RefundRefusal) -> Self {
        use drop_services::remit::merchant_refund::RefundRefusal as R;
        use StatusCode as S;
        match r {
            R::NotRefundable(status) => ApiError::new(
                S::CONFLICT,
                "not-refundable",
                "Not refundable",
                format!("the payment is {status}: only a payment the acquirer has charged can be refunded"),
            ),
            R::TooLarge { left } => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "refund-exceeds-payment",
                "Refund too large",
                format!("at most {left} (minor units) of this payment is left to refund"),
            ),
        }
    }
}

impl From<crate::config::Unwired> for ApiError {
    fn from(e: crate::config::Unwired) -> Self {
        tracing::error!(missing = e.0, "the handler reached for something its function is not wired with");
        ApiError::internal()
    }
}

impl From<drop_services::remit::RemitError> for ApiError {
    fn from(e: drop_services::remit::RemitError) -> Self {
        use drop_services::remit::RemitError as R;
        use StatusCode as S;
        match e {
            R::Invalid(field) => ApiError::invalid_field(field, format!("{field} is not valid")),
            R::NotFound => ApiError::not_found(),
            R::IllegalState(state) => {
                ApiError::new(S::CONFLICT, "illegal-state", "Not possible now", format!("the payment is {state}"))
            }
            R::QuoteExpired => ApiError::new(S::CONFLICT, "quote-expired", "Quote expired", "ask for a new quote"),
            R::Limit(which) => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "limit-exceeded",
                "Limit exceeded",
                format!("this would exceed your {which} limit"),
            ),
            R::NoQuote => ApiError::new(
                S::SERVICE_UNAVAILABLE,
                "no-quote",
                "No quote",
                "no payout provider could quote this now; try again",
            ),
            R::Unquotable => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "amount-not-served",
                "Amount not served",
                "no payout provider serves this amount to this country; try another amount",
            ),
            R::RecipientInUse => ApiError::new(
                S::CONFLICT,
                "recipient-in-use",
                "Recipient in use",
                "a payment to this recipient is still on its way; try again when it has arrived",
            ),
            R::Unwired(what) => crate::config::Unwired(what).into(),
            R::Provider(_) | R::Bank(_) => ApiError::unavailable("a payment partner did not answer; try again"),
            R::BankRefused(_) => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "bank-refused",
                "Refused",
                "the bank or provider refused this payment",
            ),
            R::Declined => ApiError::new(
                S::FORBIDDEN,
                "payment-declined",
                "Payment declined",
                "this payment cannot be made; contact support",
            ),
            R::Qr(r) => r.into(),
            R::Refund(r) => r.into(),
            R::Storage(t) => t.into(),
            R::Crypto(c) => c.into(),
        }
    }
}

impl From<drop_services::rescreen::RescreenError> for ApiError {
    fn from(e: drop_services::rescreen::RescreenError) -> Self {
        match e {
            drop_services::rescreen::RescreenError::Storage(e) => e.into(),
            drop_services::rescreen::RescreenError::Crypto(e) => e.into(),
        }
    }
}

impl From<drop_services::alerts::AlertError> for ApiError {
    fn from(e: drop_services::alerts::AlertError) -> Self {
        use drop_services::alerts::AlertError as A;
        match e {
            A::NotFound => ApiError::not_found(),
            A::Closed => {
                ApiError::new(StatusCode::CONFLICT, "alert-closed", "Alert closed", "the alert is already closed")
            }
            A::Changed => ApiError::new(
                StatusCode::CONFLICT,
                "changed-meanwhile",
                "Changed meanwhile",
                "the alert or the user's hold changed; read it again",
            ),
            A::FourEyes(e) => e.into(),
            A::Storage(e) => e.into(),
        }
    }
}

impl From<drop_services::cases::CaseError> for ApiError {
    fn from(e: drop_services::cases::CaseError) -> Self {
        use drop_services::cases::CaseError as C;
        match e {
            C::NotFound => ApiError::not_found(),
            C::Invalid(field) => ApiError::invalid_field(field, format!("{field} is not valid")),
            C::IllegalState(state) => ApiError::new(
                StatusCode::CONFLICT,
                "illegal-state",
                "Not possible now",
                format!("not possible in this state ({state})"),
            ),
            C::Changed => ApiError::new(
                StatusCode::CONFLICT,
                "changed-meanwhile",
                "Changed meanwhile",
                "the record changed meanwhile; read it again",
            ),
            C::FourEyes(e) => e.into(),
            C::Storage(e) => e.into(),
            C::Crypto(e) => e.into(),
        }
    }
}

impl From<drop_services::four_eyes::FourEyesError> for ApiError {
    fn from(e: drop_services::four_eyes::FourEyesError) -> Self {
        use drop_services::four_eyes::FourEyesError as F;
        match e {
            F::SameAdmin => ApiError::new(
                StatusCode::CONFLICT,
                "four-eyes",
                "A second admin must decide",
                "you proposed this decision; another admin must make it",
            ),
            F::Differs(proposed) => ApiError::new(
                StatusCode::CONFLICT,
                "proposal-differs",
                "Another decision is proposed",
                format!("the pending proposal is {proposed}"),
            ),
            F::Storage(e) => e.into(),
        }
    }
}

impl From<QueueError> for ApiError {
    fn from(_: QueueError) -> Self {
        ApiError::unavailable("queue is busy; try again")
    }
}

impl From<drop_services::wallet::WalletError> for ApiError {
    fn from(e: drop_services::wallet::WalletError) -> Self {
        use drop_services::wallet::WalletError as W;
        use StatusCode as S;
        match e {
            W::Disabled => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "wallet-unavailable",
                "Euro account unavailable",
                "euro accounts are not offered yet",
            ),
            W::Unserved(what) => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "wallet-unavailable",
                "Euro account unavailable",
                format!("a euro account needs {what}"),
            ),
            W::AlreadyOpen => {
                ApiError::new(S::CONFLICT, "wallet-exists", "Euro account exists", "your euro account is already open")
            }
            W::NotFound => ApiError::new(S::NOT_FOUND, "no-wallet", "No euro account", "you have no euro account"),
            W::IllegalState(state) => {
                ApiError::new(S::CONFLICT, "illegal-state", "Not possible now", format!("the euro account is {state}"))
            }
            W::Invalid(field) => ApiError::invalid_field(field, format!("{field} is not valid")),
            W::NoRecipient | W::NoTransfer => ApiError::not_found(),
            W::NotEuroRecipient => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "recipient-not-euro",
                "Not a euro recipient",
                "euro transfers go to recipients paid in euro to an IBAN",
            ),
            W::InsufficientFunds => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "insufficient-funds",
                "Insufficient funds",
                "the euro account does not hold this much",
            ),
            W::Limit(which) => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "limit-exceeded",
                "Limit exceeded",
                format!("this would exceed your {which} limit"),
            ),
            W::Declined => ApiError::new(
                S::FORBIDDEN,
                "payment-declined",
                "Payment declined",
                "this payment cannot be made; contact support",
            ),
            W::Provider(_) => ApiError::unavailable("the bank did not answer; try again"),
            W::Refused(_) => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "bank-refused", "Refused", "the bank refused this request")
            }
            W::Storage(t) => t.into(),
            W::Crypto(c) => c.into(),
        }
    }
}
