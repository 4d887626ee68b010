//! Paying a merchant by QR code (`drop_domain::lifecycle::qr_payment`): a scan (`initiate`) reads
//! the code (CRC, Drop's GUID, the merchant's code as made), checks the merchant, the amount, the
//! expiry and single use, and stores a `created` payment; `confirm` (under an idempotency key)
//! claims the code and the payer's limits, then starts PSD2 initiation from the payer's account
//! into Drop's client-funds account. The bank's word and reconciliation are in `qr_bank`.

use super::limits;
use super::payments::{provider_err, Completion, Remit};
use super::ports::PaymentOrder;
use super::status_index::{self, StatusStep};
use super::{accounts, RemitError};
use crate::crypto::aad;
use crate::idempotency;
use crate::merchants::qr::{self as codes, Kind as CodeKind};
use crate::merchants::Merchant;
use crate::table::{CancelReason, Condition, Item, Key, Query, TableError, TxOp, Update};
use drop_domain::keys;
use drop_domain::keys::attr;
use drop_domain::lifecycle::merchant::Status as MerchantStatus;
use drop_domain::lifecycle::qr_payment::{transition, Event, Status};
use drop_domain::payment::Kind;
use drop_domain::qr::{drop as profile, QrError};
use drop_domain::Currency;

/// How long a scan may wait for its confirmation (a dynamic code's own expiry may be sooner).
pub const SCAN_TTL_SECS: i64 = 15 * 60;

/// Why a scanned code cannot be paid (each its own problem type).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrRefusal {
    /// Not an EMVCo payload, a wrong CRC, or not the code the merchant made.
    #[error("not a valid QR code: {0}")]
    InvalidQr(String),
    /// Someone else's scheme, or no such merchant or code at Drop.
    #[error("unknown merchant")]
    UnknownMerchant,
    #[error("the code has expired")]
    Expired,
    #[error("the code has been paid")]
    AlreadyPaid,
    #[error("the merchant cannot take payments")]
    MerchantInactive,
    /// A static code: the payer enters the amount.
    #[error("an amount is required")]
    AmountRequired,
    /// A person scanned their own payment request.
    #[error("this is your own payment request")]
    OwnRequest,
}

/// A QR payment as stored (the HTTP layer decides what the API shows).
#[derive(Debug, Clone, PartialEq)]
pub struct QrPayment {
    pub id: String,
    /// The payer.
    pub user_id: String,
    /// `qr`: to a merchant (through Drop, settled by the acquirer); `p2p`: a person's payment
    /// request, paid straight to their account (`requests`).
    pub kind: Kind,
    /// The payee: the merchant, or (p2p) the requester's user id.
    pub merchant_id: String,
    /// The merchant's name, or (p2p) the requester's as their code shows it.
    pub merchant_name: String,
    /// The code paid: the merchant's QR code, or (p2p) the request.
    pub qr_id: String,
    pub code_kind: CodeKind,
    /// NOK minor units.
    pub amount: i64,
    pub currency: Currency,
    pub status: Status,
    pub expires_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    pub bank_payment_id: Option<String>,
    /// The limit periods reserved at confirmation (released if the payment fails or expires).
    pub reserved: Option<(String, String)>,
    /// The confirmation (its idempotency record) that claimed it.
    pub confirm_claim: Option<String>,
    /// The acquirer's payment and charge that settle it to the merchant (`qr_settle`).
    pub acquirer_payment_id: Option<String>,
    pub charge_id: Option<String>,
    /// Late funds going back (`qr_refund`): the attempt, and the bank's id of its transfer.
    pub refund_attempt: i64,
    pub refund_bank_id: Option<(i64, String)>,
    /// What the merchant's refunds hold of it (`merchant_refund`).
    pub refunded: i64,
}

impl QrPayment {
    pub(super) fn key(&self) -> Key {
        Key::new(keys::user_pk(&self.user_id), keys::qr_payment_sk(&self.id))
    }

    pub(super) fn from_item(i: &Item) -> Option<QrPayment> {
        Some(QrPayment {
            id: i.s(attr::PAYMENT_ID)?.to_owned(),
            user_id: i.s(attr::USER_ID)?.to_owned(),
            kind: i.s(attr::KIND).and_then(Kind::parse).unwrap_or(Kind::Qr),
            merchant_id: i.s(attr::MERCHANT_ID)?.to_owned(),
            merchant_name: i.s(attr::MERCHANT_NAME)?.to_owned(),
            qr_id: i.s(attr::QR_ID)?.to_owned(),
            code_kind: if i.s(attr::CODE_KIND)? == "dynamic" { CodeKind::Dynamic } else { CodeKind::Static },
            amount: i.n(attr::AMOUNT)?,
            currency: Currency::parse(i.s(attr::CURRENCY)?).ok()?,
            status: Status::parse(i.s(attr::STATUS)?)?,
            expires_at: i.n(attr::VALID_UNTIL)?,
            created_at: i.n(attr::CREATED_AT)?,
            updated_at: i.n(attr::UPDATED_AT)?,
            version: i.n(attr::VERSION)?,
            bank_payment_id: i.s(attr::BANK_PAYMENT_ID).map(str::to_owned),
            reserved: i.s(attr::LIMIT_DAY).map(str::to_owned).zip(i.s(attr::LIMIT_MONTH).map(str::to_owned)),
            confirm_claim: i.s(attr::CONFIRM_CLAIM).map(str::to_owned),
            acquirer_payment_id: i.s(attr::ACQUIRER_PAYMENT_ID).map(str::to_owned),
            charge_id: i.s(attr::CHARGE_ID).map(str::to_owned),
            refund_attempt: i.n(attr::REFUND_ATTEMPT).unwrap_or(0),
            refund_bank_id: i.n(attr::REFUND_BANK_ATTEMPT).zip(i.s(attr::REFUND_BANK_ID).map(str::to_owned)),
            refunded: i.n(attr::REFUNDED_AMOUNT).unwrap_or(0),
        })
    }
}

/// What a confirmation started: the bank's page for the payer's SCA.
#[derive(Debug, Clone, PartialEq)]
pub struct QrConfirmed {
    pub payment_id: String,
    pub status: Status,
    pub sca_redirect_url: String,
}

/// The item a payment claims so that it is paid once: a merchant's dynamic code, or a payment
/// request (always single use). `None` for a static merchant code.
pub(super) fn single_use(p: &QrPayment) -> Option<Key> {
    match (p.kind, p.code_kind) {
        (Kind::P2p, _) => Some(super::requests::key(&p.merchant_id, &p.qr_id)),
        (_, CodeKind::Dynamic) => Some(code_key(&p.merchant_id, &p.qr_id)),
        _ => None,
    }
}

/// A scanned code, ready to store.
struct Scan<'a> {
    kind: Kind,
    payee_id: &'a str,
    payee_name: &'a str,
    code_id: &'a str,
    code_kind: CodeKind,
    amount: i64,
    expires_at: i64,
}

/// A QR payment id as this API gives them out.
pub fn is_id(id: &str) -> bool {
    id.strip_prefix("qrp_").is_some_and(|u| u.len() == 26 && u.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The query that finds a QR payment by id (gsi1).
pub fn by_id(id: &str) -> Query {
    Query::partition(keys::payment_id_gsi(id)).on_index("gsi1").limit(1)
}

fn code_key(merchant_id: &str, qr_id: &str) -> Key {
    Key::new(keys::merchant_pk(merchant_id), keys::qr_sk(qr_id))
}

fn refusal(e: QrError) -> QrRefusal {
    match e {
        QrError::Foreign => QrRefusal::UnknownMerchant,
        other => QrRefusal::InvalidQr(other.to_string()),
    }
}

impl Remit {
    /// A scan: reads the code and stores a `created` payment of the code's amount (dynamic) or
    /// `amount` (static), for the payer to confirm.
    pub async fn qr_initiate(
        &self,
        user_id: &str,
        payload: &str,
        amount: Option<i64>,
    ) -> Result<QrPayment, RemitError> {
        if amount.is_some_and(|a| !(1..=codes::MAX_AMOUNT).contains(&a)) {
            return Err(RemitError::Invalid("amount"));
        }
        let code = profile::read(payload).map_err(refusal)?;
        let merchant_id = match &code.payee {
            profile::Payee::Merchant(id) if crate::merchants::is_id(id) => id.clone(),
            profile::Payee::Request(id) if code.reference.as_deref() == Some(id.as_str()) => {
                return self.qr_initiate_request(user_id, payload, id, amount).await;
            }
            _ => return Err(QrRefusal::UnknownMerchant.into()),
        };
        let qr_id = code.reference.clone().filter(|r| codes::is_id(r)).ok_or(QrRefusal::UnknownMerchant)?;
        let stored = self.table.get(&code_key(&merchant_id, &qr_id)).await?;
        let stored = stored.as_ref().and_then(codes::QrCode::from_item).ok_or(QrRefusal::UnknownMerchant)?;
        if stored.payload != payload {
            return Err(QrRefusal::InvalidQr("not the code the merchant made".into()).into());
        }
        let merchant = self.table.get(&Key::new(keys::merchant_pk(&merchant_id), keys::MERCHANT_SK)).await?;
        let merchant = merchant.as_ref().and_then(Merchant::from_item).ok_or(QrRefusal::UnknownMerchant)?;
        if merchant.status != MerchantStatus::Active {
            return Err(QrRefusal::MerchantInactive.into());
        }
        let now = self.now();
        let (amount, expires_at) = match stored.kind {
            CodeKind::Dynamic => {
                let due = stored.amount.ok_or(QrRefusal::UnknownMerchant)?;
                if amount.is_some_and(|a| a != due) {
                    return Err(RemitError::Invalid("amount"));
                }
                let expiry = stored.expires_at.unwrap_or(now);
                if now >= expiry {
                    return Err(QrRefusal::Expired.into());
                }
                if stored.status != "active" || stored.claimed_by.is_some() {
                    return Err(QrRefusal::AlreadyPaid.into());
                }
                (due, expiry.min(now + SCAN_TTL_SECS))
            }
            CodeKind::Static => (amount.ok_or(QrRefusal::AmountRequired)?, now + SCAN_TTL_SECS),
        };
        let scan = Scan {
            kind: Kind::Qr,
            payee_id: &merchant_id,
            payee_name: &merchant.name,
            code_id: &qr_id,
            code_kind: stored.kind,
            amount,
            expires_at,
        };
        self.qr_store(user_id, &scan).await
    }

    /// A person's payment request scanned: paid once, before it expires, not by the requester.
    async fn qr_initiate_request(
        &self,
        user_id: &str,
        payload: &str,
        request_id: &str,
        amount: Option<i64>,
    ) -> Result<QrPayment, RemitError> {
        let request = super::requests::find(self.table.as_ref(), &self.crypto, request_id)
            .await?
            .ok_or(QrRefusal::UnknownMerchant)?;
        if request.payload != payload {
            return Err(QrRefusal::InvalidQr("not the code the requester made".into()).into());
        }
        if request.user_id == user_id {
            return Err(QrRefusal::OwnRequest.into());
        }
        let now = self.now();
        if request.amount.is_some_and(|due| amount.is_some_and(|a| a != due)) {
            return Err(RemitError::Invalid("amount"));
        }
        if now >= request.valid_until {
            return Err(QrRefusal::Expired.into());
        }
        if request.status != "active" || request.claimed_by.is_some() {
            return Err(QrRefusal::AlreadyPaid.into());
        }
        let amount = request.amount.or(amount).ok_or(QrRefusal::AmountRequired)?;
        let name = profile::read(payload).map(|c| c.name).unwrap_or_default();
        let scan = Scan {
            kind: Kind::P2p,
            payee_id: &request.user_id,
            payee_name: &name,
            code_id: &request.id,
            code_kind: if request.amount.is_some() { CodeKind::Dynamic } else { CodeKind::Static },
            amount,
            expires_at: request.valid_until.min(now + SCAN_TTL_SECS),
        };
        self.qr_store(user_id, &scan).await
    }

    /// Stores a scanned payment (`created`).
    async fn qr_store(&self, user_id: &str, scan: &Scan<'_>) -> Result<QrPayment, RemitError> {
        let (now, amount, expires_at) = (self.now(), scan.amount, scan.expires_at);
        if amount > self.limits.per_payment {
            return Err(RemitError::Limit("per payment"));
        }
        let id = format!("qrp_{}", crate::ids::ulid());
        let status = Status::Created;
        let item = Item::new(keys::user_pk(user_id), keys::qr_payment_sk(&id))
            .with(attr::PAYMENT_ID, id.as_str())
            .with(attr::USER_ID, user_id)
            .with(attr::KIND, scan.kind.as_str())
            .with(attr::MERCHANT_ID, scan.payee_id)
            .with(attr::MERCHANT_NAME, scan.payee_name)
            .with(attr::QR_ID, scan.code_id)
            .with(attr::CODE_KIND, scan.code_kind.as_str())
            .with(attr::AMOUNT, amount)
            .with(attr::CURRENCY, Currency::NOK.as_str())
            .with(attr::STATUS, status.as_str())
            // Not `expires_at` (the table's TTL attribute): a payment is never deleted by time.
            .with(attr::VALID_UNTIL, expires_at)
            .with(attr::CREATED_AT, now)
            .with(attr::UPDATED_AT, now)
            .with(attr::VERSION, 1)
            .with(attr::GSI1PK, keys::payment_id_gsi(&id))
            .with(attr::GSI1SK, "QRPAY")
            .with(attr::GSI2PK, keys::qr_payment_status_gsi(status.as_str()))
            .with(attr::GSI2SK, status_index::status_sort(now, &id));
        self.table.put(item.clone(), Some(Condition::absent())).await?;
        QrPayment::from_item(&item).ok_or(RemitError::NotFound)
    }

    pub async fn qr_get(&self, user_id: &str, id: &str) -> Result<QrPayment, RemitError> {
        if !is_id(id) {
            return Err(RemitError::NotFound);
        }
        let item = self
            .table
            .get(&Key::new(keys::user_pk(user_id), keys::qr_payment_sk(id)))
            .await?
            .ok_or(RemitError::NotFound)?;
        QrPayment::from_item(&item).ok_or(RemitError::NotFound)
    }

    /// Finds a QR payment by id alone (the bank's return, reconciliation).
    pub async fn qr_find(&self, id: &str) -> Result<QrPayment, RemitError> {
        if !is_id(id) {
            return Err(RemitError::NotFound);
        }
        let page = self.table.query(by_id(id)).await?;
        page.items.first().and_then(QrPayment::from_item).ok_or(RemitError::NotFound)
    }

    /// The conditional update for one transition, plus anything else to set.
    pub(super) fn qr_step(
        &self,
        p: &QrPayment,
        event: Event,
        extra: Vec<(&str, crate::table::Value)>,
    ) -> Result<(Update, Status), RemitError> {
        let to = transition(p.status, event).map_err(|_| RemitError::IllegalState(p.status.as_str()))?;
        let step = StatusStep {
            key: p.key(),
            id: &p.id,
            index: keys::qr_payment_status_gsi(to.as_str()),
            from: p.status.as_str(),
            to: to.as_str(),
            version: p.version,
            now: self.now(),
        };
        let u = step.update(extra);
        Ok((u, to))
    }

    /// Confirms a scanned payment: claims the code (dynamic: one payment only) and the payer's
    /// limits, then starts payment initiation at the payer's bank.
    pub async fn qr_confirm(
        &self,
        user_id: &str,
        payment_id: &str,
        account_id: &str,
        psu_ip: &str,
        idem: Option<Completion<'_, QrConfirmed>>,
    ) -> Result<QrConfirmed, RemitError> {
        let p = self.qr_get(user_id, payment_id).await?;
        if p.status != Status::Created {
            return Err(RemitError::IllegalState(p.status.as_str()));
        }
        if self.now() >= p.expires_at {
            // A claimed payment may have a confirmation at the bank right now: reconciliation
            // expires it only well after (`qr_bank`).
            if p.confirm_claim.is_none() {
                self.qr_expire(&p).await?;
            }
            return Err(QrRefusal::Expired.into());
        }
        let debtor = accounts::debtor(self.table.as_ref(), &self.crypto, user_id, account_id).await?;
        let bank = self.bank()?.clone();
        let claim = idem.as_ref().map(|c| c.record.pk.clone()).unwrap_or_else(|| "direct".into());
        let p = self.qr_claim(&p, &claim).await?;
        // The cheap AML rules, for the confirmation holding the claim, before the bank is asked
        // (the payer is not told why: tipping-off). A decline releases what this claim took.
        let check = self.qr_precheck(&p).await?;
        if check.outcome >= drop_domain::aml::Outcome::BlockAndReview {
            let (mut u, _) = self.qr_step(&p, Event::Cancel, vec![(attr::FAILURE_REASON, "declined".into())])?;
            u.condition = u.condition.map(|c| c.and(Condition::eq(attr::CONFIRM_CLAIM, claim.as_str())));
            let mut ops = vec![TxOp::Update(u)];
            ops.extend(self.qr_unclaim(&p));
            ops.extend(check.ops);
            self.apply(ops).await?;
            return Err(RemitError::Declined);
        }
        // A merchant is paid through Drop's client-funds account; a person straight to theirs.
        let (creditor_bban, creditor_name) = match p.kind {
            Kind::P2p => {
                let request = super::requests::find(self.table.as_ref(), &self.crypto, &p.qr_id)
                    .await?
                    .ok_or(RemitError::NotFound)?;
                let account =
                    accounts::debtor(self.table.as_ref(), &self.crypto, &request.user_id, &request.account_id).await;
                // The requester unlinked the account meanwhile: this request cannot be paid now
                // (the claim is given back: the request stays payable once they link one again).
                let account = match account {
                    Ok(a) => a,
                    Err(RemitError::NotFound) => {
                        self.qr_release(&p, &claim).await?;
                        return Err(QrRefusal::MerchantInactive.into());
                    }
                    Err(e) => return Err(e),
                };
                (account.expose().clone(), p.merchant_name.clone())
            }
            _ => (bank.safeguarding.clone(), "Drop AS".to_owned()),
        };
        let order = PaymentOrder {
            end_to_end_id: p.id.trim_start_matches("qrp_").chars().take(35).collect(),
            debtor_bban: debtor,
            amount: p.amount,
            currency: Currency::NOK,
            creditor_bban,
            creditor_name,
            // Berlin Group's unstructured remittance information takes 140 characters.
            remittance: format!("Drop {} {}", p.merchant_name.chars().take(60).collect::<String>(), p.id),
            request_id: super::ports::initiation_key(&p.id, &claim),
        };
        let back = self.callbacks()?.sca_return(&p.id);
        let started = match bank.payments.initiate(&order, psu_ip, &back, &format!("{back}&result=nok")).await {
            Ok(s) => s,
            // The bank refused it: no payment exists there, so the claim is given back at once.
            // (Not when the bank did not answer: it may have made one; a retry with the same key
            // goes on, and reconciliation expires the claim after the SCA grace.)
            Err(e @ super::ports::ProviderError::Rejected(_)) => {
                self.qr_release(&p, &claim).await?;
                return Err(provider_err(e));
            }
            Err(e) => return Err(provider_err(e)),
        };
        let key = p.key();
        let debtor = self.crypto.encrypt_str(aad(&key.pk, &key.sk, attr::DEBTOR), &order.debtor_bban).await?;
        let (u, to) = self.qr_step(
            &p,
            Event::Confirm,
            vec![
                ("account_id", account_id.into()),
                ("bank_payment_id", started.id.clone().into()),
                ("sca_url", started.sca_url.clone().into()),
                ("debtor", debtor.into()),
            ],
        )?;
        let confirmed = QrConfirmed { payment_id: p.id.clone(), status: to, sca_redirect_url: started.sca_url };
        let mut ops = vec![TxOp::Update(u)];
        ops.extend(check.ops);
        if let Some(c) = idem {
            ops.push(TxOp::Update(idempotency::complete(c.record, c.hash, 200, &(c.render)(&confirmed))));
        }
        self.apply(ops).await?;
        Ok(confirmed)
    }

    /// Claims a `created` payment for one confirmation (`claim`: its idempotency record), with
    /// the payer's limits and, for a dynamic code, the code itself, while the merchant is active.
    /// The same confirmation may claim again (a retry after the bank did not answer).
    async fn qr_claim(&self, p: &QrPayment, claim: &str) -> Result<QrPayment, RemitError> {
        if p.confirm_claim.as_deref() == Some(claim) {
            return Ok(p.clone());
        }
        let key = p.key();
        let (day, month) = limits::periods(self.clock.now());
        let mut claimed = Update::new(key.clone())
            .set(attr::CONFIRM_CLAIM, claim)
            .set(attr::LIMIT_DAY, day.as_str())
            .set(attr::LIMIT_MONTH, month.as_str())
            .when(
                Condition::eq(attr::STATUS, Status::Created.as_str())
                    .and(Condition::eq(attr::VERSION, p.version))
                    .and(Condition::NotExists(attr::CONFIRM_CLAIM.into())),
            );
        // In the merchant's sales from its confirmation (a scan alone shows nowhere: anyone can
        // scan a static code).
        // (A person's request: in their history's "received".)
        let listed_at = match p.kind {
            Kind::P2p => keys::payments_received_gsi(&p.merchant_id),
            _ => keys::merchant_payments_gsi(&p.merchant_id),
        };
        claimed = claimed.set(attr::GSI3PK, listed_at).set(attr::GSI3SK, format!("{:012}#{}", p.created_at, p.id));
        let mut ops = vec![TxOp::Update(claimed)];
        // The payee still takes payments: an active merchant, or (p2p) an active person.
        ops.push(match p.kind {
            // A requester under an AML hold receives nothing (the payer is told only that the
            // payee cannot be paid).
            Kind::P2p => TxOp::ConditionCheck {
                key: Key::new(keys::user_pk(&p.merchant_id), keys::PROFILE_SK),
                condition: Condition::eq(attr::STATUS, "active").and(crate::holds::not_held()),
            },
            _ => TxOp::ConditionCheck {
                key: Key::new(keys::merchant_pk(&p.merchant_id), keys::MERCHANT_SK),
                condition: Condition::eq(attr::STATUS, MerchantStatus::Active.as_str()),
            },
        });
        if let Some(single) = single_use(p) {
            ops.push(TxOp::Update(
                Update::new(single)
                    .set(attr::CLAIMED_BY, p.id.as_str())
                    .when(Condition::eq(attr::STATUS, "active").and(Condition::NotExists(attr::CLAIMED_BY.into()))),
            ));
        }
        ops.extend(limits::reserve(&p.user_id, p.amount, &day, &month, self.limits));
        match self.table.transact(ops).await {
            Ok(()) => {}
            Err(TableError::TransactionCanceled { reasons }) => {
                let failed = |i: usize| matches!(reasons.get(i), Some(Some(CancelReason::ConditionFailed { .. })));
                let dynamic = single_use(p).is_some();
                return Err(if failed(0) {
                    RemitError::IllegalState("being confirmed")
                } else if failed(1) {
                    QrRefusal::MerchantInactive.into()
                } else if dynamic && failed(2) {
                    QrRefusal::AlreadyPaid.into()
                } else if failed(if dynamic { 3 } else { 2 }) {
                    RemitError::Limit("daily")
                } else if failed(if dynamic { 4 } else { 3 }) {
                    RemitError::Limit("monthly")
                } else {
                    RemitError::Storage(TableError::Unavailable("claim not stored".into()))
                });
            }
            Err(e) => return Err(e.into()),
        }
        // The claim does not change the version: the payment as it is now.
        Ok(QrPayment { reserved: Some((day, month)), confirm_claim: Some(claim.to_owned()), ..p.clone() })
    }

    /// What undoes a claim: the limits back, the code free again (the payment did not happen).
    pub(super) fn qr_unclaim(&self, p: &QrPayment) -> Vec<TxOp> {
        let mut ops = Vec::new();
        if let Some((day, month)) = &p.reserved {
            ops.extend(limits::release(&p.user_id, p.amount, day, month));
        }
        if let Some(single) = single_use(p).filter(|_| p.reserved.is_some()) {
            ops.push(TxOp::Update(
                Update::new(single).remove(attr::CLAIMED_BY).when(Condition::eq(attr::CLAIMED_BY, p.id.as_str())),
            ));
        }
        ops
    }

    /// Gives a claim back (the bank refused, or the payee cannot be paid): the payment is
    /// `created` and unclaimed again, the limits and the code released.
    async fn qr_release(&self, p: &QrPayment, claim: &str) -> Result<(), RemitError> {
        let u = Update::new(p.key())
            .remove(attr::CONFIRM_CLAIM)
            .remove(attr::LIMIT_DAY)
            .remove(attr::LIMIT_MONTH)
            .remove(attr::GSI3PK)
            .remove(attr::GSI3SK)
            .when(Condition::eq(attr::STATUS, Status::Created.as_str()).and(Condition::eq(attr::CONFIRM_CLAIM, claim)));
        let mut ops = vec![TxOp::Update(u)];
        ops.extend(self.qr_unclaim(p));
        self.apply(ops).await
    }

    /// A `created` payment past its expiry (never sent to the bank) expires.
    pub(super) async fn qr_expire(&self, p: &QrPayment) -> Result<(), RemitError> {
        let (mut u, _) = self.qr_step(p, Event::Expire, vec![])?;
        // Claiming does not change the version: the claim this copy saw must still be the one.
        let claimed = match &p.confirm_claim {
            Some(c) => Condition::eq(attr::CONFIRM_CLAIM, c.as_str()),
            None => Condition::NotExists(attr::CONFIRM_CLAIM.into()),
        };
        u.condition = u.condition.map(|c| c.and(claimed));
        let mut ops = vec![TxOp::Update(u)];
        ops.extend(self.qr_unclaim(p));
        self.apply(ops).await
    }
}
