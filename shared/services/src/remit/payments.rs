//! Payments: quote (both providers at once, cheapest wins, limits reserved), confirm (PSD2
//! initiation under an idempotency key), get and history. The bank's verdict, cancel and payout
//! are in `settle`, refunds in `refund`, reconciliation in `reconcile`. Every status change goes
//! through the domain's transition function as a conditional update ([`Remit::step`]), with its
//! ledger postings and outbox event in the same transaction.

use super::limits::{self, Limits};
use super::ports::*;
use super::status_index::{self, StatusStep};
use super::{accounts, recipients, RemitError};
use crate::crypto::aad;
use crate::events::outbox_put;
use crate::idempotency;
use crate::table::{CancelReason, Condition, Item, Key, Query, Table, TableError, TxOp, Update};
use crate::Clock;
use drop_domain::event::catalogue::{DomainEvent, PaymentChanged};
use drop_domain::keys::attr;
use drop_domain::payment::Kind;
use drop_domain::payment::{transition, Event, Status};
use drop_domain::Currency;
use std::sync::Arc;
use std::time::Duration;

pub const QUOTE_TTL_SECS: i64 = 15 * 60;

pub struct Remit {
    pub table: Arc<dyn Table>,
    pub crypto: Arc<crate::crypto::Crypto>,
    pub clock: Arc<dyn Clock>,
    /// The user's bank and the refund rail (functions that never reach a bank have none).
    pub bank: Option<BankRail>,
    /// The payout providers this function is wired with (none: it quotes and pays out nothing).
    pub providers: Vec<Arc<dyn RemittanceProvider>>,
    /// The acquirer that settles QR payments to merchants (functions that settle none have none).
    pub acquirer: Option<Arc<dyn MerchantAcquirer>>,
    pub limits: Limits,
    /// Our public base URL, for the bank's and the providers' callbacks.
    /// Where partners call back (the HTTP layer's routes).
    pub callbacks: Option<Arc<dyn CallbackUrls>>,
    /// The sanctions list payments' recipients are screened against.
    pub lists: Arc<crate::screening_list::Lists>,
    pub monitor: crate::aml_records::Monitor,
}

/// What a confirmation started: the bank's page for the user's SCA.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirmed {
    pub payment_id: String,
    pub status: Status,
    pub sca_redirect_url: String,
}

/// The idempotency record a confirmation completes in its own transaction, with the answer the
/// caller renders for it (the same it sends).
pub struct Completion<'a, T = Confirmed> {
    pub record: &'a Key,
    pub hash: &'a str,
    pub render: &'a (dyn Fn(&T) -> String + Send + Sync),
}

/// Where payments come from and refunds leave.
#[derive(Clone)]
pub struct BankRail {
    pub payments: Arc<dyn Bank>,
    /// Where refunds leave (a credit transfer from the safeguarding account).
    pub refunds: Arc<dyn RefundRail>,
    /// Drop's safeguarding account (BBAN) that payments credit.
    pub safeguarding: String,
}

/// A payment as stored (the HTTP layer decides what the API shows).
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    pub id: String,
    pub user_id: String,
    pub kind: drop_domain::payment::Kind,
    pub status: Status,
    pub provider: ProviderName,
    pub quote_id: String,
    pub rate: String,
    pub fee: i64,
    /// What the user pays in total (fee included), in the source currency.
    pub source_amount: i64,
    pub target_amount: i64,
    pub total_debit: i64,
    pub source_currency: String,
    pub target_currency: String,
    pub recipient_id: String,
    pub expires_at: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
    pub day: String,
    pub month: String,
    pub account_id: Option<String>,
    pub bank_payment_id: Option<String>,
    pub transfer_id: Option<String>,
    pub failure_reason: Option<String>,
    pub expires_epoch: i64,
    /// The bank's last `transactionStatus` for the user's payment.
    pub bank_status: Option<String>,
    /// Refunds started so far (a rejected one is followed by another).
    pub refund_attempt: i64,
    /// The bank's id of the refund, and the attempt it belongs to.
    pub refund_bank_id: Option<(i64, String)>,
}

fn sk_of(id: &str) -> String {
    drop_domain::keys::payment_sk(id)
}

impl Payment {
    pub(super) fn key(&self) -> Key {
        Key::new(drop_domain::keys::user_pk(&self.user_id), sk_of(&self.id))
    }

    pub fn from_item(i: &Item) -> Option<Payment> {
        let epoch = |k: &str| {
            i.n(k).and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok()).map(drop_domain::time::rfc3339)
        };
        Some(Payment {
            id: i.s(attr::PAYMENT_ID)?.to_owned(),
            user_id: i.s(attr::USER_ID)?.to_owned(),
            kind: i.s(attr::KIND).and_then(Kind::parse).unwrap_or(Kind::Remittance),
            status: Status::parse(i.s(attr::STATUS)?)?,
            provider: ProviderName::parse(i.s(attr::PROVIDER)?)?,
            quote_id: i.s(attr::QUOTE_ID)?.to_owned(),
            rate: i.s(attr::RATE)?.to_owned(),
            fee: i.n(attr::FEE)?,
            source_amount: i.n(attr::SOURCE)?,
            target_amount: i.n(attr::TARGET)?,
            total_debit: i.n(attr::SOURCE)?,
            source_currency: i.s(attr::SOURCE_CURRENCY)?.to_owned(),
            target_currency: i.s(attr::TARGET_CURRENCY)?.to_owned(),
            recipient_id: i.s(attr::RECIPIENT_ID)?.to_owned(),
            expires_at: epoch("quote_expires")?,
            created_at: epoch("created_at")?,
            updated_at: epoch("updated_at")?,
            version: i.n(attr::VERSION)?,
            day: i.s(attr::LIMIT_DAY)?.to_owned(),
            month: i.s(attr::LIMIT_MONTH)?.to_owned(),
            account_id: i.s(attr::ACCOUNT_ID).map(str::to_owned),
            bank_payment_id: i.s(attr::BANK_PAYMENT_ID).map(str::to_owned),
            transfer_id: i.s(attr::TRANSFER_ID).map(str::to_owned),
            failure_reason: i.s(attr::FAILURE_REASON).map(str::to_owned),
            expires_epoch: i.n(attr::QUOTE_EXPIRES)?,
            bank_status: i.s(attr::BANK_STATUS).map(str::to_owned),
            refund_attempt: i.n(attr::REFUND_ATTEMPT).unwrap_or(0),
            refund_bank_id: i.n(attr::REFUND_BANK_ATTEMPT).zip(i.s(attr::REFUND_BANK_ID).map(str::to_owned)),
        })
    }
}

pub(super) fn provider_err(e: ProviderError) -> RemitError {
    match e {
        ProviderError::Transient(m) => RemitError::Provider(m),
        ProviderError::Rejected(m) => RemitError::BankRefused(m),
    }
}

/// What one provider said to a quote request.
enum Asked {
    Quoted(Quote),
    /// A definitive no (amount or corridor not served).
    Refused,
    /// No answer worth having (429, 5xx, timeout).
    Unavailable,
}

/// Asks one provider, retrying a transient failure once, within a deadline.
async fn ask(p: &dyn RemittanceProvider, req: &QuoteRequest) -> Asked {
    for attempt in 0..2 {
        match tokio::time::timeout(Duration::from_secs(4), p.quote(req)).await {
            Ok(Ok(q)) if q.target > 0 && q.source > 0 => return Asked::Quoted(q),
            Ok(Ok(_)) => return Asked::Refused,
            Ok(Err(ProviderError::Rejected(e))) => {
                tracing::info!(provider = p.name().as_str(), error = %e, "quote refused");
                return Asked::Refused;
            }
            Ok(Err(ProviderError::Transient(e))) => {
                tracing::warn!(provider = p.name().as_str(), attempt, error = %e, "quote failed");
            }
            Err(_) => tracing::warn!(provider = p.name().as_str(), attempt, "quote timed out"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Asked::Unavailable
}

/// The cheaper quote: less paid per unit received; a tie goes to faster delivery.
pub fn better(a: &Quote, b: &Quote) -> bool {
    let lhs = i128::from(a.source) * i128::from(b.target);
    let rhs = i128::from(b.source) * i128::from(a.target);
    lhs < rhs || (lhs == rhs && a.delivery_hours < b.delivery_hours)
}

impl Remit {
    pub(super) fn now(&self) -> i64 {
        self.clock.epoch()
    }

    pub(super) async fn load(&self, user_id: &str, id: &str) -> Result<Payment, RemitError> {
        if !id.starts_with("pay_") {
            return Err(RemitError::NotFound);
        }
        let item = self
            .table
            .get(&Key::new(drop_domain::keys::user_pk(user_id), sk_of(id)))
            .await?
            .ok_or(RemitError::NotFound)?;
        Payment::from_item(&item).ok_or(RemitError::NotFound)
    }

    pub(super) fn bank(&self) -> Result<&BankRail, RemitError> {
        self.bank.as_ref().ok_or(RemitError::Unwired("Bank"))
    }

    pub(super) fn callbacks(&self) -> Result<&dyn CallbackUrls, RemitError> {
        self.callbacks.as_deref().ok_or(RemitError::Unwired("API_BASE_URL"))
    }

    /// Finds a payment by id alone (bank and provider callbacks).
    pub async fn find(&self, id: &str) -> Result<Payment, RemitError> {
        let page =
            self.table.query(Query::partition(drop_domain::keys::payment_id_gsi(id)).on_index("gsi1").limit(1)).await?;
        page.items.first().and_then(Payment::from_item).ok_or(RemitError::NotFound)
    }

    pub(super) async fn find_by_transfer(
        &self,
        provider: ProviderName,
        transfer_id: &str,
    ) -> Result<Payment, RemitError> {
        let page = self
            .table
            .query(
                Query::partition(drop_domain::keys::payout_transfer_gsi(provider.as_str(), transfer_id))
                    .on_index("gsi3")
                    .limit(1),
            )
            .await?;
        page.items.first().and_then(Payment::from_item).ok_or(RemitError::NotFound)
    }

    pub async fn get(&self, user_id: &str, id: &str) -> Result<Payment, RemitError> {
        self.load(user_id, id).await
    }

    /// Quotes both providers concurrently, keeps the cheapest, reserves the limits and stores a
    /// `quoted` payment.
    pub async fn initiate(
        &self,
        user_id: &str,
        recipient_id: &str,
        amount: Amount,
        target: Currency,
    ) -> Result<Payment, RemitError> {
        let beneficiary = recipients::beneficiary(self.table.as_ref(), &self.crypto, user_id, recipient_id).await?;
        if beneficiary.currency != target {
            return Err(RemitError::Invalid("targetCurrency"));
        }
        match amount {
            Amount::Source(a) | Amount::Target(a) if a <= 0 => return Err(RemitError::Invalid("amount")),
            Amount::Source(a) if a > self.limits.per_payment => return Err(RemitError::Limit("per payment")),
            _ => {}
        }
        let req = QuoteRequest {
            source_currency: Currency::NOK,
            target_currency: target,
            amount,
            country: beneficiary.country.clone(),
        };
        let asks = self.providers.iter().map(|p| ask(p.as_ref(), &req));
        let answers = futures::future::join_all(asks).await;
        let all_refused = answers.iter().all(|a| matches!(a, Asked::Refused));
        let quotes: Vec<Quote> =
            answers.into_iter().filter_map(|a| if let Asked::Quoted(q) = a { Some(q) } else { None }).collect();
        let best = quotes.iter().fold(None::<&Quote>, |acc, q| match acc {
            Some(b) if !better(q, b) => Some(b),
            _ => Some(q),
        });
        let q = match best {
            Some(q) => q.clone(),
            None if all_refused => return Err(RemitError::Unquotable),
            None => return Err(RemitError::NoQuote),
        };
        if q.source > self.limits.per_payment {
            return Err(RemitError::Limit("per payment"));
        }
        let now = self.now();
        let (day, month) = limits::periods(self.clock.now());
        let id = format!("pay_{}", ulid::Ulid::new());
        let pk = drop_domain::keys::user_pk(user_id);
        let expires = q.expires_at.min(now + QUOTE_TTL_SECS);
        let item = Item::new(&pk, sk_of(&id))
            .with(attr::PAYMENT_ID, id.clone())
            .with(attr::USER_ID, user_id)
            .with(attr::KIND, Kind::Remittance.as_str())
            .with(attr::STATUS, Status::Quoted.as_str())
            .with(attr::PROVIDER, q.provider.as_str())
            .with(attr::QUOTE_ID, q.quote_id.clone())
            .with(attr::RATE, q.rate.to_decimal_string())
            .with(attr::FEE, q.fee)
            .with(attr::SOURCE, q.source)
            .with(attr::TARGET, q.target)
            .with(attr::SOURCE_CURRENCY, "NOK")
            .with(attr::TARGET_CURRENCY, target.as_str())
            .with(attr::RECIPIENT_ID, recipient_id)
            .with(attr::QUOTE_EXPIRES, expires)
            .with(attr::CREATED_AT, now)
            .with(attr::UPDATED_AT, now)
            .with(attr::VERSION, 1)
            .with(attr::LIMIT_DAY, day.clone())
            .with(attr::LIMIT_MONTH, month.clone())
            .with(attr::GSI1PK, drop_domain::keys::payment_id_gsi(&id))
            .with(attr::GSI1SK, "PAY")
            .with(attr::GSI2PK, drop_domain::keys::payment_status_gsi(Status::Quoted.as_str()))
            .with(attr::GSI2SK, status_index::status_sort(now, &id));
        let mut ops = limits::reserve(user_id, q.source, &day, &month, self.limits);
        ops.push(TxOp::Put { item: item.clone(), condition: Some(Condition::absent()) });
        match self.table.transact(ops).await {
            Ok(()) => Payment::from_item(&item).ok_or(RemitError::NotFound),
            Err(TableError::TransactionCanceled { reasons }) => Err(match reasons.as_slice() {
                [Some(CancelReason::ConditionFailed { .. }), ..] => RemitError::Limit("daily"),
                [_, Some(CancelReason::ConditionFailed { .. }), ..] => RemitError::Limit("monthly"),
                _ => RemitError::Storage(TableError::Unavailable("quote not stored".into())),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// The conditional update for one transition, plus anything else to set.
    pub(super) fn step(
        &self,
        p: &Payment,
        event: Event,
        extra: Vec<(&str, crate::table::Value)>,
    ) -> Result<(Update, Status), RemitError> {
        let to = transition(p.status, event).map_err(|_| RemitError::IllegalState(p.status.as_str()))?;
        let step = StatusStep {
            key: p.key(),
            id: &p.id,
            index: drop_domain::keys::payment_status_gsi(to.as_str()),
            from: p.status.as_str(),
            to: to.as_str(),
            version: p.version,
            now: self.now(),
        };
        let u = step.update(extra);
        Ok((u, to))
    }

    pub(super) fn event(&self, p: &Payment, to: Status) -> TxOp {
        let changed = PaymentChanged {
            v: 1,
            user_id: p.user_id.clone(),
            status: to,
            amount_minor: p.source_amount,
            currency: p.source_currency.clone(),
        };
        let e = DomainEvent::Payment { payment_id: p.id.clone(), changed };
        outbox_put(&e, self.clock.now()).0
    }

    pub(super) async fn apply(&self, ops: Vec<TxOp>) -> Result<(), RemitError> {
        match self.table.transact(ops).await {
            Ok(()) => Ok(()),
            Err(TableError::TransactionCanceled { .. }) => Err(RemitError::IllegalState("changed meanwhile")),
            Err(e) => Err(e.into()),
        }
    }

    /// Confirms a quoted payment: starts payment initiation at the user's bank. `idem` is the
    /// idempotency record to complete in the same transaction (with the answer it renders).
    pub async fn confirm(
        &self,
        user_id: &str,
        payment_id: &str,
        account_id: &str,
        psu_ip: &str,
        idem: Option<Completion<'_>>,
    ) -> Result<(Payment, Confirmed), RemitError> {
        let p = self.load(user_id, payment_id).await?;
        if p.status != Status::Quoted {
            return Err(RemitError::IllegalState(p.status.as_str()));
        }
        if self.now() > p.expires_epoch {
            return Err(RemitError::QuoteExpired);
        }
        let debtor = accounts::debtor(self.table.as_ref(), &self.crypto, user_id, account_id).await?;
        // Claim the payment for this confirmation, so two keys cannot both start a bank payment.
        let claim = idem.as_ref().map(|c| c.record.pk.clone()).unwrap_or_else(|| "direct".into());
        let claimed = Update::new(p.key()).set(attr::CONFIRM_CLAIM, claim.clone()).when(
            Condition::eq(attr::STATUS, "quoted").and(
                Condition::NotExists(attr::CONFIRM_CLAIM.into()).or(Condition::eq(attr::CONFIRM_CLAIM, claim.as_str())),
            ),
        );
        let claimed = match self.table.update(claimed).await {
            Ok(item) => Payment::from_item(&item).ok_or(RemitError::NotFound)?,
            Err(e) if e.is_condition_failed() => return Err(RemitError::IllegalState("being confirmed")),
            Err(e) => return Err(e.into()),
        };
        // Screening and the cheap rules, before the bank is asked.
        let check = self.precheck(&claimed).await?;
        if check.outcome >= drop_domain::aml::Outcome::BlockAndReview {
            let (u, _) = self.step(&claimed, Event::Cancel, vec![(attr::FAILURE_REASON, "declined".into())])?;
            let mut ops = vec![TxOp::Update(u)];
            ops.extend(limits::release(&p.user_id, p.source_amount, &p.day, &p.month));
            ops.extend(check.ops);
            self.apply(ops).await?;
            return Err(RemitError::Declined);
        }
        let order = PaymentOrder {
            end_to_end_id: p.id.trim_start_matches("pay_").chars().take(35).collect(),
            debtor_bban: debtor,
            amount: p.source_amount,
            currency: Currency::NOK,
            creditor_bban: self.bank()?.safeguarding.clone(),
            creditor_name: "Drop AS".into(),
            remittance: format!("Drop {}", p.id),
            request_id: super::ports::initiation_key(&p.id, &claim),
        };
        let back = self.callbacks()?.sca_return(&p.id);
        let started = self
            .bank()?
            .payments
            .initiate(&order, psu_ip, &back, &format!("{back}&result=nok"))
            .await
            .map_err(provider_err)?;
        // The claim returned the payment as it is now (the claim does not change its version).
        let p = claimed;
        // Where the money comes from is where a refund goes, even if the account is unlinked.
        let key = p.key();
        let debtor = self.crypto.encrypt_str(aad(&key.pk, &key.sk, attr::DEBTOR), &order.debtor_bban).await?;
        let (u, to) = self.step(
            &p,
            Event::Confirm,
            vec![
                ("account_id", account_id.into()),
                ("bank_payment_id", started.id.clone().into()),
                ("sca_url", started.sca_url.clone().into()),
                ("debtor", debtor.into()),
            ],
        )?;
        let confirmed = Confirmed { payment_id: p.id.clone(), status: to, sca_redirect_url: started.sca_url.clone() };
        // The recipient still exists (deleting one refuses while a payment to it is in flight).
        let mut ops = vec![TxOp::Update(u), recipients::exists(&p.user_id, &p.recipient_id)];
        ops.extend(check.ops);
        if let Some(c) = idem {
            ops.push(TxOp::Update(idempotency::complete(c.record, c.hash, 200, &(c.render)(&confirmed))));
        }
        self.apply(ops).await?;
        Ok((self.load(user_id, payment_id).await?, confirmed))
    }
}
