//! Every key of the main table (and the audit table's), in one place (design §4): no key
//! prefix is written anywhere else (a test greps the sources). [`kinds`] names each stored item
//! kind, its owner and record class, and finds an item's kind from its key.

pub mod attr;
pub mod kinds;

/// The sort key of an item that is alone in its partition (uniqueness claims).
pub const UNIQUE_SK: &str = "UNIQUE";

// --- a user's partition: `USER#<id>` ------------------------------------------------------

pub const USER_PREFIX: &str = "USER#";

pub fn user_pk(user_id: &str) -> String {
    format!("{USER_PREFIX}{user_id}")
}

/// The user id of a `USER#` partition key.
pub fn user_of(pk: &str) -> Option<&str> {
    pk.strip_prefix(USER_PREFIX)
}

pub const PROFILE_SK: &str = "PROFILE";
pub const SETTINGS_SK: &str = "SETTINGS";

pub const ACCOUNT_PREFIX: &str = "ACCOUNT#";

pub fn account_sk(account_id: &str) -> String {
    format!("{ACCOUNT_PREFIX}{account_id}")
}

pub const RECIPIENT_PREFIX: &str = "RECIPIENT#";

pub fn recipient_sk(recipient_id: &str) -> String {
    format!("{RECIPIENT_PREFIX}{recipient_id}")
}

pub fn recipient_of(sk: &str) -> Option<&str> {
    sk.strip_prefix(RECIPIENT_PREFIX)
}

pub const PAYMENT_PREFIX: &str = "PAY#";

/// A payment's sort key (its id without the `pay_` prefix: ULIDs sort by time).
pub fn payment_sk(payment_id: &str) -> String {
    format!("{PAYMENT_PREFIX}{}", payment_id.trim_start_matches("pay_"))
}

pub fn limit_sk(period: &str) -> String {
    format!("{LIMIT_PREFIX}{period}")
}

/// AML aggregate buckets sort under this prefix.
pub const AML_BUCKET_PREFIX: &str = "AML#";
pub const AML_DECISION_PREFIX: &str = "AMLDEC#";
pub const LIMIT_PREFIX: &str = "LIMIT#";

pub fn aml_hour_sk(hour: i64) -> String {
    format!("{AML_BUCKET_PREFIX}H#{hour}")
}

pub fn aml_day_sk(day: i64) -> String {
    format!("{AML_BUCKET_PREFIX}D#{day}")
}

pub fn aml_recipient_sk(day: i64, recipient: &str) -> String {
    format!("{AML_BUCKET_PREFIX}R#{day}#{recipient}")
}

pub fn aml_decision_sk(payment_id: &str, stage: &str) -> String {
    format!("{AML_DECISION_PREFIX}{payment_id}#{stage}")
}

pub const OTP_PHONE_SK: &str = "OTP#phone";
pub const OTP_EMAIL_SK: &str = "OTP#email";

/// gsi4: a user's items outside their partition (claims, sessions, idempotency records, alerts,
/// account-link state), so export and erasure find every item a person owns without a scan.
pub const OWNER_INDEX: &str = "gsi4";

pub fn owner_gsi(user_id: &str) -> String {
    format!("OWNER#{user_id}")
}

// --- uniqueness claims and lookups by blind index ------------------------------------------

pub fn nin_pk(blind_index: &str) -> String {
    format!("NIN#{blind_index}")
}

pub fn pid_pk(blind_index: &str) -> String {
    format!("PID#{blind_index}")
}

pub fn phone_pk(blind_index: &str) -> String {
    format!("PHONE#{blind_index}")
}

// --- sessions and login --------------------------------------------------------------------

pub fn refresh_token_pk(token_hash: &str) -> String {
    format!("RT#{token_hash}")
}

pub fn refresh_family_pk(family: &str) -> String {
    format!("RTFAM#{family}")
}

pub fn rate_limit_pk(scope: &str, subject: &str) -> String {
    format!("RL#{scope}#{subject}")
}

pub fn oidc_pk(state_hash: &str) -> String {
    format!("OIDC#{state_hash}")
}

pub const OIDC_SK: &str = "OIDC";

pub fn ais_link_pk(state_hash: &str) -> String {
    format!("AISLINK#{state_hash}")
}

pub const AIS_LINK_SK: &str = "LINK";

pub fn idempotency_pk(user_id: &str, route: &str, key: &str) -> String {
    format!("IDEM#{user_id}#{route}#{key}")
}

pub const IDEMPOTENCY_SK: &str = "IDEM";

/// The user of an idempotency record's key.
pub fn idempotency_user(pk: &str) -> Option<&str> {
    pk.strip_prefix("IDEM#")?.split('#').next()
}

pub const SIGNING_KEYS_PK: &str = "SIGNKEY";
pub const SIGNING_CLAIM_PK: &str = "SIGNKEY#CLAIM";

// --- payments' indexes ----------------------------------------------------------------------

/// gsi1: a payment by id.
pub fn payment_id_gsi(payment_id: &str) -> String {
    format!("PAYID#{payment_id}")
}

/// gsi2: payments by status.
pub fn payment_status_gsi(status: &str) -> String {
    format!("PAYSTATUS#{status}")
}

/// gsi3: a payment by its provider transfer.
pub fn payout_transfer_gsi(provider: &str, transfer_id: &str) -> String {
    format!("PAYXFER#{provider}#{transfer_id}")
}

// --- ledger ---------------------------------------------------------------------------------

pub fn ledger_pk(reference: &str) -> String {
    format!("LEDGER#{reference}")
}

pub fn ledger_account_pk(account: &str) -> String {
    format!("LEDGERACC#{account}")
}

pub const BALANCE_SK: &str = "BALANCE";

// --- merchants ------------------------------------------------------------------------------

pub fn merchant_pk(merchant_id: &str) -> String {
    format!("MERCHANT#{merchant_id}")
}

pub const MERCHANT_SK: &str = "MERCHANT";

/// One merchant per organisation number (`UNIQUE_SK`).
pub fn merchant_org_pk(org_number: &str) -> String {
    format!("MERCHANTORG#{org_number}")
}

/// A merchant's QR codes sort under this prefix of its partition.
pub const QR_PREFIX: &str = "QR#";

pub fn qr_sk(qr_id: &str) -> String {
    format!("{QR_PREFIX}{qr_id}")
}

/// A payer's QR payments sort under this prefix of their partition.
pub const QR_PAYMENT_PREFIX: &str = "QRPAY#";

/// A QR payment's sort key (its id without `qrp_`: ULIDs sort by time).
pub fn qr_payment_sk(payment_id: &str) -> String {
    format!("{QR_PAYMENT_PREFIX}{}", payment_id.trim_start_matches("qrp_"))
}

/// A person's payment requests sort under this prefix of their partition.
pub const PAYMENT_REQUEST_PREFIX: &str = "PAYREQ#";

pub fn payment_request_sk(request_id: &str) -> String {
    format!("{PAYMENT_REQUEST_PREFIX}{}", request_id.trim_start_matches("req_"))
}

/// A merchant's refunds of a QR payment sort under this prefix of the payer's partition (next to
/// the payment's own item: the payer's data).
pub const QR_REFUND_PREFIX: &str = "QRREF#";

/// A refund's sort key: the payment's ULID, then the refund's (both sort by time).
pub fn qr_refund_sk(payment_id: &str, refund_id: &str) -> String {
    format!("{QR_REFUND_PREFIX}{}#{}", payment_id.trim_start_matches("qrp_"), refund_id.trim_start_matches("qrr_"))
}

/// The prefix of one payment's refunds.
pub fn qr_refunds_of(payment_id: &str) -> String {
    format!("{QR_REFUND_PREFIX}{}#", payment_id.trim_start_matches("qrp_"))
}

/// gsi2: merchant refunds by status (reconciliation moves those in flight).
pub fn qr_refund_status_gsi(status: &str) -> String {
    format!("QRREFSTATUS#{status}")
}

/// gsi3: a merchant's refunds.
pub fn merchant_refunds_gsi(merchant_id: &str) -> String {
    format!("MERCHANTREF#{merchant_id}")
}

/// gsi2: QR payments by status.
pub fn qr_payment_status_gsi(status: &str) -> String {
    format!("QRPAYSTATUS#{status}")
}

/// gsi3: a merchant's QR payments.
pub fn merchant_payments_gsi(merchant_id: &str) -> String {
    format!("MERCHANTPAY#{merchant_id}")
}

/// gsi3: payments made to a person's payment requests (their history's "received").
pub fn payments_received_gsi(user_id: &str) -> String {
    format!("RECEIVED#{user_id}")
}

/// A person's membership of a merchant sorts under this prefix of their partition.
pub const MEMBER_PREFIX: &str = "MEMBER#";

pub fn member_sk(merchant_id: &str) -> String {
    format!("{MEMBER_PREFIX}{merchant_id}")
}

// --- the euro account (wallet) ----------------------------------------------------------------

/// A user's euro account at the banking provider (one per user).
pub const WALLET_SK: &str = "WALLET";

/// gsi1: the wallet of a provider account (webhooks name the account, not the user).
pub fn wallet_account_gsi(account_id: &str) -> String {
    format!("WALLETACC#{account_id}")
}

/// gsi2: wallets by status (reconciliation goes through the active ones).
pub fn wallet_status_gsi(status: &str) -> String {
    format!("WALLETSTATUS#{status}")
}

/// gsi3: a person's wallet transactions by time (`<created, 12 digits>#<id>`), for their history.
pub fn wallet_history_gsi(user_id: &str) -> String {
    format!("WALLETHIST#{user_id}")
}

/// A wallet's transactions sort under this prefix of the user's partition.
pub const WALLET_TX_PREFIX: &str = "WTX#";

/// A transaction's sort key: the provider's id (one item per provider transaction, whichever
/// of webhook and reconciliation sees it first).
pub fn wallet_tx_sk(provider_tx_id: &str) -> String {
    format!("{WALLET_TX_PREFIX}{provider_tx_id}")
}

/// A wallet's transfers out sort under this prefix of the user's partition.
pub const WALLET_TRANSFER_PREFIX: &str = "WTR#";

pub fn wallet_transfer_sk(transfer_id: &str) -> String {
    format!("{WALLET_TRANSFER_PREFIX}{transfer_id}")
}

/// gsi1: the transfer a provider consent belongs to (consent webhooks name only the consent).
pub fn wallet_consent_gsi(consent_id: &str) -> String {
    format!("WALLETCONSENT#{consent_id}")
}

/// gsi2: wallet transfers by status (reconciliation).
pub fn wallet_transfer_status_gsi(status: &str) -> String {
    format!("WTRSTATUS#{status}")
}

// --- compliance -----------------------------------------------------------------------------

pub fn alert_pk(alert_id: &str) -> String {
    format!("ALERT#{alert_id}")
}

pub const ALERT_SK: &str = "ALERT";
/// gsi1: every alert, newest first.
pub const ALERTS_GSI: &str = "ALERTS";

/// A hold on a user's transfers, under the user: `HOLD#<source>#<id>`.
pub const HOLD_PREFIX: &str = "HOLD#";
pub fn hold_sk(source: &str, id: &str) -> String {
    format!("{HOLD_PREFIX}{source}#{id}")
}

/// A compliance case: `CASE#<id>` / `CASE`, its timeline `T#<ulid>`, its links
/// `LINK#<kind>#<id>`, its pending four-eyes decisions `DECIDE#<action>`; listed through gsi1
/// (`CASES`).
pub fn case_pk(case_id: &str) -> String {
    format!("CASE#{case_id}")
}
pub const CASE_SK: &str = "CASE";
pub const CASES_GSI: &str = "CASES";
pub const CASE_ENTRY_PREFIX: &str = "T#";
pub fn case_entry_sk(entry_id: &str) -> String {
    format!("{CASE_ENTRY_PREFIX}{entry_id}")
}
pub const CASE_LINK_PREFIX: &str = "LINK#";
pub fn case_link_sk(kind: &str, id: &str) -> String {
    format!("{CASE_LINK_PREFIX}{kind}#{id}")
}
pub const DECISION_PREFIX: &str = "DECIDE#";
pub fn decision_sk(action: &str) -> String {
    format!("{DECISION_PREFIX}{action}")
}
/// The subject's (user's or merchant's) open case, under the subject's partition.
pub const OPEN_CASE_SK: &str = "CASE#OPEN";

/// A suspicious transaction report: `STR#<id>` / `STR`, listed through gsi1 (`STRS`).
pub fn str_pk(str_id: &str) -> String {
    format!("STR#{str_id}")
}
pub const STR_SK: &str = "STR";
pub const STRS_GSI: &str = "STRS";

/// gsi3: who the re-screen goes through.
pub const SCREEN_USERS_GSI: &str = "SCREEN#user";
pub const SCREEN_RECIPIENTS_GSI: &str = "SCREEN#recipient";

pub const RESCREEN_PK: &str = "SCREENING#RESCREEN";
pub const STATE_SK: &str = "STATE";

/// The audit table's hash chain of a subject (a user id or `SYSTEM`).
pub fn audit_pk(subject: &str) -> String {
    format!("AUDIT#{subject}")
}

pub const AUDIT_HEAD_SK: &str = "HEAD";

/// Messages the local stack keeps instead of sending (never in AWS).
pub fn local_message_pk(recipient_blind_index: &str) -> String {
    format!("LOCALMSG#{recipient_blind_index}")
}

// --- the event pipeline ---------------------------------------------------------------------

/// Outbox items are spread over a few partitions so one hot partition does not limit throughput.
pub const OUTBOX_SHARDS: u32 = 4;

pub fn outbox_pk(shard: u32) -> String {
    format!("OUTBOX#{shard}")
}

/// The shard of an event id: stable, so redelivery of the same event lands on the same item.
pub fn outbox_shard(event_id: &str) -> u32 {
    event_id.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32)) % OUTBOX_SHARDS
}

/// Marker a consumer writes, in the same transaction as its effect, once it has handled an event.
pub fn processed_pk(consumer: &str, event_id: &str) -> String {
    format!("PROCESSED#{consumer}#{event_id}")
}

pub const PROCESSED_SK: &str = "PROCESSED";

/// A user's pending one-time codes sort under this prefix of their partition.
pub const OTP_PREFIX: &str = "OTP#";

/// The event pipeline's canary status item.
pub const CANARY_PK: &str = "SYSTEM#CANARY";

/// A reference exchange rate: `FXRATE#<currency>` / `D#<yyyy-mm-dd>` (NOK per unit, that day).
pub fn fx_rate_pk(currency: &str) -> String {
    format!("FXRATE#{currency}")
}
pub const FX_RATE_DAY_PREFIX: &str = "D#";
pub fn fx_rate_sk(day: &str) -> String {
    format!("{FX_RATE_DAY_PREFIX}{day}")
}
pub const CANARY_SK: &str = "STATUS";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_is_stable_and_in_range() {
        let id = "evt_01JC7Z2Q8K4V6M0T3R5N9XWYAB";
        assert_eq!(outbox_shard(id), outbox_shard(id));
        assert!((0..OUTBOX_SHARDS).contains(&outbox_shard(id)));
        let shards: std::collections::BTreeSet<u32> = (0..64).map(|i| outbox_shard(&format!("evt_{i}"))).collect();
        assert_eq!(shards.len() as u32, OUTBOX_SHARDS);
    }
}
