//! Attribute names of stored items, written once: a record's mapping to and from its item, its
//! conditional updates and the PII lists of the item kinds all name attributes
//! through these constants, so a write and its read cannot drift apart.

// --- on most records -----------------------------------------------------------------------
pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1PK: &str = "gsi1pk";
pub const GSI1SK: &str = "gsi1sk";
/// The status index: partition per status, sort key `<updated_at>#<id>`.
pub const GSI2PK: &str = "gsi2pk";
pub const GSI2SK: &str = "gsi2sk";
pub const GSI3PK: &str = "gsi3pk";
pub const GSI3SK: &str = "gsi3sk";
/// The owner index: items outside their owner's partition (GDPR export and erasure).
pub const GSI4PK: &str = "gsi4pk";
pub const GSI4SK: &str = "gsi4sk";
pub const USER_ID: &str = "user_id";
pub const STATUS: &str = "status";
pub const VERSION: &str = "version";
pub const CREATED_AT: &str = "created_at";
pub const UPDATED_AT: &str = "updated_at";

// --- money-moving records (remittances, QR and P2P payments, merchant refunds) --------------
pub const PAYMENT_ID: &str = "payment_id";
pub const KIND: &str = "kind";
pub const AMOUNT: &str = "amount";
pub const CURRENCY: &str = "currency";
pub const ACCOUNT_ID: &str = "account_id";
pub const CONFIRM_CLAIM: &str = "confirm_claim";
pub const BANK_PAYMENT_ID: &str = "bank_payment_id";
pub const BANK_STATUS: &str = "bank_status";
pub const FAILURE_REASON: &str = "failure_reason";
/// `credit` (money in) or `debit`.
pub const SIDE: &str = "side";
/// A transfer's end-to-end reference.
pub const REFERENCE: &str = "reference";
/// The account a payment was paid from (encrypted): where its money goes back to.
pub const DEBTOR: &str = "debtor";
/// A transfer back to the payer: the attempt in flight, the attempt the bank's id belongs to,
/// that id, and the bank's last word.
pub const REFUND_ATTEMPT: &str = "refund_attempt";
pub const REFUND_BANK_ATTEMPT: &str = "refund_bank_attempt";
pub const REFUND_BANK_ID: &str = "refund_bank_id";
pub const REFUND_STATUS: &str = "refund_status";

// --- personal data (encrypted envelopes) and its blind indexes ----------------------------
pub const NIN: &str = "nin";
pub const PID: &str = "pid";
pub const NAME: &str = "name";
pub const GIVEN_NAME: &str = "given_name";
pub const FAMILY_NAME: &str = "family_name";
pub const BIRTHDATE: &str = "birthdate";
pub const PHONE: &str = "phone";
pub const EMAIL: &str = "email";
pub const IBAN: &str = "iban";
pub const BBAN: &str = "bban";
pub const ACCOUNT_NUMBER: &str = "account_number";
pub const BODY: &str = "body";
pub const SETTLEMENT_ACCOUNT: &str = "settlement_account";
pub const PAYLOAD: &str = "payload";
pub const MESSAGE: &str = "message";
pub const PHONE_BI: &str = "phone_bi";
pub const COUNTERPARTY_NAME: &str = "counterparty_name";
pub const COUNTERPARTY_IBAN: &str = "counterparty_iban";

// --- the other attributes more than one place names (alphabetical) --------------------------
pub const ABSOLUTE_UNTIL: &str = "absolute_until";
pub const ACQUIRER: &str = "acquirer";
pub const ACQUIRER_PAYMENT_ID: &str = "acquirer_payment_id";
pub const ACQUIRER_REFUND_ID: &str = "acquirer_refund_id";
pub const ACTION: &str = "action";
pub const ACTOR: &str = "actor";
pub const AGGREGATE_ID: &str = "aggregate_id";
pub const AGGREGATE_TYPE: &str = "aggregate_type";
pub const AT: &str = "at";
pub const ATTEMPTS: &str = "attempts";
pub const BALANCE: &str = "balance";
pub const CHARGE_ID: &str = "charge_id";
pub const CLAIMED_AT: &str = "claimed_at";
pub const CLAIMED_BY: &str = "claimed_by";
pub const CLOSED_BY: &str = "closed_by";
pub const CODE_HASH: &str = "code_hash";
pub const CODE_KIND: &str = "code_kind";
pub const CONFIRMED_HITS: &str = "confirmed_hits";
pub const CONSENT_ID: &str = "consent_id";
pub const CONSENT_VALID_UNTIL: &str = "consent_valid_until";
pub const COUNTRY: &str = "country";
pub const CREDIT: &str = "credit";
pub const CURSOR: &str = "cursor";
pub const DATASET: &str = "dataset";
pub const DEBIT: &str = "debit";
pub const DETAILS: &str = "details";
/// A case note (encrypted).
pub const NOTE: &str = "note";
/// An STR's content: subject, transactions, reason, action (encrypted).
pub const CONTENT: &str = "content";
pub const DOC: &str = "doc";
pub const EMAIL_VERIFIED: &str = "email_verified";
pub const EVENT_ID: &str = "event_id";
pub const EXPIRY: &str = "expiry";
pub const FAMILY: &str = "family";
pub const FEE: &str = "fee";
pub const HANDLE: &str = "handle";
pub const HASH: &str = "hash";
pub const IDLE_UNTIL: &str = "idle_until";
pub const IN_PROGRESS_EXPIRY: &str = "in_progress_expiry";
pub const IP: &str = "ip";
pub const LAST_RECEIVED_AT: &str = "last_received_at";
pub const LAST_SENT_AT: &str = "last_sent_at";
pub const LIMIT_DAY: &str = "limit_day";
pub const LIMIT_MONTH: &str = "limit_month";
pub const MERCHANT_ID: &str = "merchant_id";
pub const MERCHANT_NAME: &str = "merchant_name";
pub const NONCE: &str = "nonce";
pub const OCCURRED_AT: &str = "occurred_at";
pub const OUTCOME: &str = "outcome";
pub const PAID_AMOUNT: &str = "paid_amount";
pub const PAID_AT: &str = "paid_at";
pub const PAID_BY: &str = "paid_by";
pub const PHASE: &str = "phase";
pub const PHONE_VERIFIED: &str = "phone_verified";
pub const POTENTIAL_HITS: &str = "potential_hits";
pub const PREV: &str = "prev";
pub const PROVIDER: &str = "provider";
pub const QR_ID: &str = "qr_id";
pub const QUOTE_EXPIRES: &str = "quote_expires";
pub const QUOTE_ID: &str = "quote_id";
pub const RATE: &str = "rate";
pub const RECEIVED: &str = "received";
pub const RECIPIENT_ID: &str = "recipient_id";
pub const REFUND_ID: &str = "refund_id";
pub const REFUNDED_AMOUNT: &str = "refunded_amount";
pub const REQUEST_HASH: &str = "request_hash";
pub const REQUEST_ID: &str = "request_id";
pub const RESERVED: &str = "reserved";
pub const RESOLUTION: &str = "resolution";
pub const RESPONSE_BODY: &str = "response_body";
pub const RESPONSE_STATUS: &str = "response_status";
pub const RETIRE_AFTER: &str = "retire_after";
pub const ROLE: &str = "role";
pub const SCORE: &str = "score";
pub const SCREENED: &str = "screened";
pub const SEQ: &str = "seq";
pub const SOURCE: &str = "source";
pub const SOURCE_CURRENCY: &str = "source_currency";
pub const STARTED_MS: &str = "started_ms";
pub const TARGET: &str = "target";
pub const TARGET_CURRENCY: &str = "target_currency";
pub const TRANSFER_ID: &str = "transfer_id";
pub const USABLE_FROM: &str = "usable_from";
pub const USED: &str = "used";
pub const VALID_UNTIL: &str = "valid_until";
pub const VERIFIER: &str = "verifier";
pub const WEBHOOK_SECRET_HASH: &str = "webhook_secret_hash";
/// A signing key's public RSA modulus and exponent (base64url).
pub const RSA_N: &str = "n";
pub const RSA_E: &str = "e";
/// A rate-limit window's count.
pub const HITS: &str = "n";
/// An outbox event's `detail-type`.
pub const EVENT_TYPE: &str = "type";
/// The screening list version a re-screen run works through.
pub const LIST: &str = "list";
