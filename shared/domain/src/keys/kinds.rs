//! Every kind of stored item: how its key looks, whom it belongs to, its record class (what
//! retention keeps and for how long, `reference/compliance.md` §4.3), and which attributes are
//! encrypted PII or blind indexes. [`ItemKind::of`] finds an item's kind from its key, so a scan
//! of the table can be checked against this list, and GDPR export/erasure and retention can ask
//! what an item is.

/// Whom an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The user whose id the key or the `user_id` attribute names.
    User,
    /// Drop itself (indexes of no person, platform state).
    System,
}

/// The retention classes (`reference/compliance.md` §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordClass {
    KycIdentity,
    ScreeningResult,
    Alert,
    Payment,
    LedgerEntry,
    MonitoringAggregate,
    AuditLog,
    Session,
    Consent,
    Notification,
    Idempotency,
    /// Compliance cases: their timeline, notes, links, decisions (never shown to the subject).
    Case,
    /// Suspicious transaction reports.
    Str,
    /// Operational state with no personal data (outbox, canary, signing keys, re-screen progress).
    Operational,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Profile,
    Settings,
    Otp,
    BankAccount,
    Recipient,
    Payment,
    Limit,
    AmlBucket,
    AmlDecision,
    NinClaim,
    PidClaim,
    PhoneClaim,
    RefreshToken,
    RefreshFamily,
    RateLimit,
    OidcLogin,
    AisLink,
    Idempotency,
    SigningKey,
    SigningClaim,
    LedgerEntry,
    LedgerBalance,
    Alert,
    RescreenState,
    Outbox,
    Processed,
    Canary,
    LocalMessage,
    AuditEntry,
    Merchant,
    MerchantClaim,
    MerchantMember,
    QrCode,
    QrPayment,
    QrRefund,
    PaymentRequest,
    Wallet,
    WalletTx,
    WalletTransfer,
    /// A reference exchange rate of one day (Norges Bank), cached.
    ReferenceRate,
    /// A hold on a user's transfers and its source.
    Hold,
    Case,
    CaseEntry,
    CaseLink,
    /// A four-eyes decision proposed and waiting for a second admin.
    Decision,
    /// The subject's open case.
    OpenCase,
    Str,
}

impl ItemKind {
    pub const ALL: [ItemKind; 47] = [
        ItemKind::Profile,
        ItemKind::Settings,
        ItemKind::Otp,
        ItemKind::BankAccount,
        ItemKind::Recipient,
        ItemKind::Payment,
        ItemKind::Limit,
        ItemKind::AmlBucket,
        ItemKind::AmlDecision,
        ItemKind::NinClaim,
        ItemKind::PidClaim,
        ItemKind::PhoneClaim,
        ItemKind::RefreshToken,
        ItemKind::RefreshFamily,
        ItemKind::RateLimit,
        ItemKind::OidcLogin,
        ItemKind::AisLink,
        ItemKind::Idempotency,
        ItemKind::SigningKey,
        ItemKind::SigningClaim,
        ItemKind::LedgerEntry,
        ItemKind::LedgerBalance,
        ItemKind::Alert,
        ItemKind::RescreenState,
        ItemKind::Outbox,
        ItemKind::Processed,
        ItemKind::Canary,
        ItemKind::LocalMessage,
        ItemKind::AuditEntry,
        ItemKind::Merchant,
        ItemKind::MerchantClaim,
        ItemKind::MerchantMember,
        ItemKind::QrCode,
        ItemKind::QrPayment,
        ItemKind::QrRefund,
        ItemKind::PaymentRequest,
        ItemKind::Wallet,
        ItemKind::WalletTx,
        ItemKind::WalletTransfer,
        ItemKind::ReferenceRate,
        ItemKind::Hold,
        ItemKind::Case,
        ItemKind::CaseEntry,
        ItemKind::CaseLink,
        ItemKind::Decision,
        ItemKind::OpenCase,
        ItemKind::Str,
    ];

    /// The kind of the item with this key; `None` for a key no kind has.
    pub fn of(pk: &str, sk: &str) -> Option<ItemKind> {
        use ItemKind as K;
        if pk.starts_with(super::USER_PREFIX) {
            return Some(match sk {
                super::PROFILE_SK => K::Profile,
                super::SETTINGS_SK => K::Settings,
                super::OTP_PHONE_SK | super::OTP_EMAIL_SK => K::Otp,
                _ if sk.starts_with(super::ACCOUNT_PREFIX) => K::BankAccount,
                _ if sk.starts_with(super::RECIPIENT_PREFIX) => K::Recipient,
                _ if sk.starts_with(super::PAYMENT_PREFIX) => K::Payment,
                _ if sk.starts_with(super::LIMIT_PREFIX) => K::Limit,
                _ if sk.starts_with(super::AML_BUCKET_PREFIX) => K::AmlBucket,
                _ if sk.starts_with(super::AML_DECISION_PREFIX) => K::AmlDecision,
                _ if sk.starts_with(super::MEMBER_PREFIX) => K::MerchantMember,
                _ if sk.starts_with(super::QR_PAYMENT_PREFIX) => K::QrPayment,
                _ if sk.starts_with(super::QR_REFUND_PREFIX) => K::QrRefund,
                _ if sk.starts_with(super::PAYMENT_REQUEST_PREFIX) => K::PaymentRequest,
                super::WALLET_SK => K::Wallet,
                _ if sk.starts_with(super::WALLET_TX_PREFIX) => K::WalletTx,
                _ if sk.starts_with(super::WALLET_TRANSFER_PREFIX) => K::WalletTransfer,
                _ if sk.starts_with(super::HOLD_PREFIX) => K::Hold,
                super::OPEN_CASE_SK => K::OpenCase,
                _ => return None,
            });
        }
        let prefix = pk.split_once('#').map_or(pk, |(p, _)| p);
        Some(match (prefix, sk) {
            ("NIN", super::UNIQUE_SK) => K::NinClaim,
            ("PID", super::UNIQUE_SK) => K::PidClaim,
            ("PHONE", super::UNIQUE_SK) => K::PhoneClaim,
            ("RT", _) => K::RefreshToken,
            ("RTFAM", _) => K::RefreshFamily,
            ("RL", _) => K::RateLimit,
            ("OIDC", super::OIDC_SK) => K::OidcLogin,
            ("AISLINK", super::AIS_LINK_SK) => K::AisLink,
            ("IDEM", super::IDEMPOTENCY_SK) => K::Idempotency,
            ("SIGNKEY", _) if pk == super::SIGNING_CLAIM_PK => K::SigningClaim,
            ("SIGNKEY", _) => K::SigningKey,
            ("LEDGER", _) => K::LedgerEntry,
            ("LEDGERACC", super::BALANCE_SK) => K::LedgerBalance,
            ("ALERT", super::ALERT_SK) => K::Alert,
            ("SCREENING", super::STATE_SK) if pk == super::RESCREEN_PK => K::RescreenState,
            ("OUTBOX", _) => K::Outbox,
            ("PROCESSED", super::PROCESSED_SK) => K::Processed,
            ("SYSTEM", super::CANARY_SK) if pk == super::CANARY_PK => K::Canary,
            ("LOCALMSG", _) => K::LocalMessage,
            ("FXRATE", _) if sk.starts_with(super::FX_RATE_DAY_PREFIX) => K::ReferenceRate,
            ("AUDIT", _) => K::AuditEntry,
            ("MERCHANT", super::MERCHANT_SK) => K::Merchant,
            ("MERCHANT", super::OPEN_CASE_SK) => K::OpenCase,
            ("CASE", super::CASE_SK) => K::Case,
            ("CASE", _) if sk.starts_with(super::CASE_ENTRY_PREFIX) => K::CaseEntry,
            ("CASE", _) if sk.starts_with(super::CASE_LINK_PREFIX) => K::CaseLink,
            ("CASE", _) if sk.starts_with(super::DECISION_PREFIX) => K::Decision,
            ("STR", super::STR_SK) => K::Str,
            ("MERCHANT", _) if sk.starts_with(super::QR_PREFIX) => K::QrCode,
            ("MERCHANTORG", super::UNIQUE_SK) => K::MerchantClaim,
            _ => return None,
        })
    }

    pub fn owner(self) -> Owner {
        use ItemKind as K;
        match self {
            K::Profile
            | K::Settings
            | K::Otp
            | K::BankAccount
            | K::Recipient
            | K::Payment
            | K::Limit
            | K::AmlBucket
            | K::AmlDecision
            | K::NinClaim
            | K::PidClaim
            | K::PhoneClaim
            | K::RefreshToken
            | K::RefreshFamily
            | K::AisLink
            | K::Idempotency
            | K::Alert
            | K::AuditEntry
            | K::MerchantMember
            | K::QrPayment
            | K::QrRefund
            | K::PaymentRequest
            | K::Wallet
            | K::WalletTx
            | K::WalletTransfer
            | K::Hold
            | K::Case
            | K::CaseEntry
            | K::CaseLink
            | K::Decision
            | K::OpenCase
            | K::Str => Owner::User,
            // A business: its data is not a person's (the signatory's membership is theirs).
            K::Merchant | K::MerchantClaim | K::QrCode => Owner::System,
            // The local stack's kept messages (never in AWS), keyed by the recipient's address.
            K::LocalMessage => Owner::System,
            K::RateLimit
            | K::OidcLogin
            | K::SigningKey
            | K::SigningClaim
            | K::LedgerEntry
            | K::LedgerBalance
            | K::RescreenState
            | K::Outbox
            | K::Processed
            | K::Canary
            | K::ReferenceRate => Owner::System,
        }
    }

    pub fn record_class(self) -> RecordClass {
        use ItemKind as K;
        use RecordClass as R;
        match self {
            K::Profile | K::NinClaim | K::PidClaim | K::PhoneClaim | K::BankAccount => R::KycIdentity,
            // Know-your-business: kept like a customer's identity.
            K::Merchant | K::MerchantClaim | K::MerchantMember => R::KycIdentity,
            // The account and its IBAN identify the person; its transactions are payments.
            K::Wallet => R::KycIdentity,
            K::WalletTx | K::WalletTransfer => R::Payment,
            K::Settings => R::Consent,
            K::Recipient | K::Payment | K::Limit | K::QrCode | K::QrPayment | K::QrRefund | K::PaymentRequest => {
                R::Payment
            }
            K::AmlBucket => R::MonitoringAggregate,
            K::AmlDecision => R::ScreeningResult,
            K::Alert | K::Hold => R::Alert,
            K::Case | K::CaseEntry | K::CaseLink | K::Decision | K::OpenCase => R::Case,
            K::Str => R::Str,
            K::LedgerEntry | K::LedgerBalance => R::LedgerEntry,
            K::AuditEntry => R::AuditLog,
            K::Otp | K::RefreshToken | K::RefreshFamily | K::OidcLogin | K::AisLink | K::RateLimit => R::Session,
            K::LocalMessage => R::Notification,
            K::Idempotency => R::Idempotency,
            K::SigningKey | K::SigningClaim | K::RescreenState | K::Outbox | K::Processed | K::Canary => R::Operational,
            K::ReferenceRate => R::Operational,
        }
    }

    /// Attributes holding encrypted PII (envelopes of `drop_services::crypto`), when present.
    pub fn pii(self) -> &'static [&'static str] {
        use super::attr as a;
        use ItemKind as K;
        match self {
            K::Profile => &[a::NIN, a::PID, a::NAME, a::GIVEN_NAME, a::FAMILY_NAME, a::BIRTHDATE, a::PHONE, a::EMAIL],
            K::Otp => &[a::PHONE, a::EMAIL],
            K::BankAccount => &[a::IBAN, a::BBAN],
            K::Recipient => &[a::NAME, a::IBAN, a::ACCOUNT_NUMBER],
            K::Payment | K::QrPayment => &[a::DEBTOR],
            K::LocalMessage => &[a::BODY],
            K::Merchant => &[a::SETTLEMENT_ACCOUNT],
            // The payload names the requester.
            K::PaymentRequest => &[a::PAYLOAD, a::MESSAGE],
            K::Wallet => &[a::IBAN],
            K::WalletTx => &[a::COUNTERPARTY_NAME, a::COUNTERPARTY_IBAN],
            K::CaseEntry => &[a::NOTE],
            K::Str => &[a::CONTENT],
            _ => &[],
        }
    }

    /// Attributes holding blind indexes (keyed hashes) of PII.
    pub fn blind_indexes(self) -> &'static [&'static str] {
        match self {
            ItemKind::Profile | ItemKind::Otp => &[super::attr::PHONE_BI],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_constructor_gives_its_kind() {
        let u = super::super::user_pk("usr_1");
        let cases = [
            (u.clone(), super::super::PROFILE_SK.to_owned(), ItemKind::Profile),
            (u.clone(), super::super::account_sk("acc_1"), ItemKind::BankAccount),
            (u.clone(), super::super::recipient_sk("rcp_1"), ItemKind::Recipient),
            (u.clone(), super::super::payment_sk("pay_01J"), ItemKind::Payment),
            (u.clone(), super::super::aml_day_sk(20_000), ItemKind::AmlBucket),
            (u.clone(), super::super::aml_decision_sk("pay_1", "confirm"), ItemKind::AmlDecision),
            (super::super::nin_pk("bi"), super::super::UNIQUE_SK.to_owned(), ItemKind::NinClaim),
            (super::super::SIGNING_CLAIM_PK.to_owned(), "rotation#2026-12".to_owned(), ItemKind::SigningClaim),
            (super::super::SIGNING_KEYS_PK.to_owned(), "k1".to_owned(), ItemKind::SigningKey),
            (super::super::RESCREEN_PK.to_owned(), super::super::STATE_SK.to_owned(), ItemKind::RescreenState),
            (super::super::outbox_pk(1), "evt_1".to_owned(), ItemKind::Outbox),
            (super::super::merchant_pk("mer_1"), super::super::MERCHANT_SK.to_owned(), ItemKind::Merchant),
            (super::super::merchant_org_pk("310000019"), super::super::UNIQUE_SK.to_owned(), ItemKind::MerchantClaim),
            (u.clone(), super::super::member_sk("mer_1"), ItemKind::MerchantMember),
            (super::super::merchant_pk("mer_1"), super::super::qr_sk("qr_1"), ItemKind::QrCode),
            (u.clone(), super::super::qr_payment_sk("qrp_01J"), ItemKind::QrPayment),
            (u.clone(), super::super::payment_request_sk("req_01J"), ItemKind::PaymentRequest),
            (u.clone(), super::super::qr_refund_sk("qrp_01J", "qrr_01K"), ItemKind::QrRefund),
            (u.clone(), super::super::WALLET_SK.to_owned(), ItemKind::Wallet),
            (u.clone(), super::super::wallet_tx_sk("bosci_1"), ItemKind::WalletTx),
            (u.clone(), super::super::wallet_transfer_sk("wtr_1"), ItemKind::WalletTransfer),
            (u.clone(), super::super::hold_sk("alert", "alr_1"), ItemKind::Hold),
            (u.clone(), super::super::OPEN_CASE_SK.to_owned(), ItemKind::OpenCase),
            (super::super::merchant_pk("mer_1"), super::super::OPEN_CASE_SK.to_owned(), ItemKind::OpenCase),
            (super::super::case_pk("cas_1"), super::super::CASE_SK.to_owned(), ItemKind::Case),
            (super::super::case_pk("cas_1"), super::super::case_entry_sk("01J"), ItemKind::CaseEntry),
            (super::super::case_pk("cas_1"), super::super::case_link_sk("payment", "pay_1"), ItemKind::CaseLink),
            (super::super::case_pk("cas_1"), super::super::decision_sk("report"), ItemKind::Decision),
            (super::super::str_pk("str_1"), super::super::STR_SK.to_owned(), ItemKind::Str),
            (super::super::fx_rate_pk("EUR"), super::super::fx_rate_sk("2026-12-02"), ItemKind::ReferenceRate),
        ];
        for (pk, sk, kind) in cases {
            assert_eq!(ItemKind::of(&pk, &sk), Some(kind), "{pk} {sk}");
        }
        assert_eq!(ItemKind::of(&u, "SOMETHING"), None);
        assert_eq!(ItemKind::of("NOPE#1", "x"), None);
    }
}
