//! Alerts for compliance staff: sanctions/PEP screening hits and AML monitoring outcomes. An alert
//! records what decided it (rule results or matched list entries), the score, the algorithm or
//! scorecard and the list dataset and version — never PII of ours. Listed newest first through
//! gsi1 (`ALERTS`); users never see them (tipping-off, hvitvaskingsloven § 28).

use crate::holds;
use crate::table::{Condition, Item, Query, Table, TableError, TxOp};
use drop_domain::keys::attr;
use drop_domain::lifecycle::alert::{self as lifecycle, Status as AlertStatus};

#[derive(Debug, Clone)]
pub struct NewAlert<'a> {
    /// `screening` or `aml`.
    pub kind: &'a str,
    /// `user`, `recipient` or `payment`.
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    /// The user the subject belongs to.
    pub user_id: &'a str,
    /// `onboarding`, `recipient`, `confirm`, `monitor` or `rescreen`.
    pub trigger: &'a str,
    /// `potential_hit`, `confirmed_hit`, `review`, `block_and_review` or `decline`.
    pub outcome: &'a str,
    /// Screening: the best match × 1000. AML: the rule score.
    pub score: i64,
    pub algorithm: &'a str,
    pub dataset: &'a str,
    pub version: &'a str,
    /// Matched list entries (screening) or rule results (AML).
    pub details: serde_json::Value,
}

pub fn new_id() -> String {
    format!("alr_{}", crate::ids::ulid())
}

fn key(alert_id: &str) -> crate::table::Key {
    crate::table::Key::new(drop_domain::keys::alert_pk(alert_id), drop_domain::keys::ALERT_SK)
}

impl NewAlert<'_> {
    /// The alert as a put that never overwrites (a deterministic id makes a rerun a no-op), and
    /// its `alert.raised` event for the case intake.
    pub fn ops(&self, alert_id: &str, now: i64) -> [TxOp; 2] {
        let at = time::OffsetDateTime::from_unix_timestamp(now).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let raised = drop_domain::event::catalogue::AlertRaised { v: 1, user_id: self.user_id.to_owned() };
        let event = drop_domain::event::catalogue::DomainEvent::Alert { alert_id: alert_id.to_owned(), raised };
        [self.put(alert_id, now), crate::events::outbox_put(&event, at).0]
    }

    fn put(&self, alert_id: &str, now: i64) -> TxOp {
        let k = key(alert_id);
        let item = crate::subject::owned_by(Item::new(k.pk, k.sk), self.user_id)
            .with("alert_id", alert_id)
            .with(attr::KIND, self.kind)
            .with("subject_type", self.subject_type)
            .with("subject_id", self.subject_id)
            .with("trigger", self.trigger)
            .with(attr::OUTCOME, self.outcome)
            .with(attr::SCORE, self.score)
            .with("algorithm", self.algorithm)
            .with(attr::DATASET, self.dataset)
            .with(attr::VERSION, self.version)
            .with(attr::DETAILS, self.details.to_string())
            .with(attr::STATUS, AlertStatus::Open.as_str())
            .with(attr::CREATED_AT, now)
            .with(attr::GSI1PK, drop_domain::keys::ALERTS_GSI)
            .with(attr::GSI1SK, alert_id);
        TxOp::Put { item, condition: Some(Condition::absent()) }
    }
}

/// An alert as stored (the console decides what it shows).
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub id: String,
    pub kind: String,
    pub subject_type: String,
    pub subject_id: String,
    pub user_id: String,
    pub trigger: String,
    pub outcome: String,
    /// Screening: the best match × 1000. AML: the rule score.
    pub score: Option<i64>,
    pub algorithm: String,
    pub dataset: String,
    pub version: String,
    pub status: AlertStatus,
    pub resolution: Option<String>,
    pub closed_by: Option<String>,
    pub created_at: Option<i64>,
    /// Matched list entries (screening) or rule results (AML).
    pub details: serde_json::Value,
}

impl Alert {
    pub fn from_item(i: &Item) -> Alert {
        let text = |k: &str| i.s(k).unwrap_or_default().to_owned();
        Alert {
            id: text("alert_id"),
            kind: text("kind"),
            subject_type: text("subject_type"),
            subject_id: text("subject_id"),
            user_id: text("user_id"),
            trigger: text("trigger"),
            outcome: text("outcome"),
            score: i.n(attr::SCORE),
            algorithm: text("algorithm"),
            dataset: text("dataset"),
            version: text("version"),
            status: i.s(attr::STATUS).and_then(AlertStatus::parse).unwrap_or(AlertStatus::Open),
            resolution: i.s(attr::RESOLUTION).map(str::to_owned),
            closed_by: i.s(attr::CLOSED_BY).map(str::to_owned),
            created_at: i.n(attr::CREATED_AT),
            details: i.s(attr::DETAILS).and_then(|e| serde_json::from_str(e).ok()).unwrap_or_default(),
        }
    }
}

/// Newest first.
pub async fn list(table: &dyn Table, limit: u32) -> Result<Vec<Alert>, TableError> {
    let page = table
        .query(Query::partition(drop_domain::keys::ALERTS_GSI).on_index("gsi1").backward().limit(limit.clamp(1, 200)))
        .await?;
    Ok(page.items.iter().map(Alert::from_item).collect())
}

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("no such alert")]
    NotFound,
    #[error("the alert is already closed")]
    Closed,
    #[error("the alert or the user's hold changed meanwhile")]
    Changed,
    #[error("{0}")]
    FourEyes(#[from] crate::four_eyes::FourEyesError),
    #[error("storage: {0}")]
    Storage(#[from] TableError),
}

pub use drop_domain::lifecycle::alert::Resolution;

#[derive(Debug, Clone, PartialEq)]
pub struct Closed {
    pub alert: Alert,
    /// The hold this alert put on the user's transfers was released (any resolution but
    /// `confirmed_risk`; other holds on the user stay).
    pub hold_released: bool,
}

/// What a close request did.
#[derive(Debug, Clone, PartialEq)]
pub enum Closing {
    Closed(Box<Closed>),
    /// Releasing a confirmed hit's hold needs a second admin: proposed, waiting.
    AwaitingSecondAdmin,
}

/// Closes an open alert; unless the risk is confirmed, releases the hold this alert put on its
/// user, in the same transaction. Releasing the hold of a confirmed hit takes two admins.
pub async fn close(
    table: &dyn Table,
    alert_id: &str,
    resolution: Resolution,
    actor: &str,
    now: i64,
) -> Result<Closing, AlertError> {
    let alert = table.get(&key(alert_id)).await?.ok_or(AlertError::NotFound)?;
    let status = alert.s(attr::STATUS).and_then(AlertStatus::parse).unwrap_or(AlertStatus::Closed);
    let to = lifecycle::transition(status, lifecycle::Event::Close(resolution)).map_err(|_| AlertError::Closed)?;
    let closing = crate::table::Update::new(key(alert_id))
        .set(attr::STATUS, to.as_str())
        .set(attr::RESOLUTION, resolution.as_str())
        .set(attr::CLOSED_BY, actor)
        .set("closed_at", now)
        .when(Condition::eq(attr::STATUS, AlertStatus::Open.as_str()));
    // What the store will hold once the transaction succeeds.
    let closed = closing.apply(Some(alert.clone()))?;
    let mut ops = vec![TxOp::Update(closing)];
    let user = alert.s(attr::USER_ID).unwrap_or_default();
    let release = !resolution.keeps_hold() && holds::is_set(table, user, holds::Source::Alert, alert_id).await?;
    if release && alert.s(attr::OUTCOME) == Some("confirmed_hit") {
        let pk = drop_domain::keys::alert_pk(alert_id);
        match crate::four_eyes::step(table, &pk, "close", resolution.as_str(), actor, now).await? {
            crate::four_eyes::Step::Proposed => return Ok(Closing::AwaitingSecondAdmin),
            crate::four_eyes::Step::Second { consume, .. } => ops.push(consume),
        }
    }
    if release {
        ops.extend(holds::release(user, holds::Source::Alert, alert_id));
    }
    match table.transact(ops).await {
        Ok(()) => {}
        Err(TableError::TransactionCanceled { .. }) => return Err(AlertError::Changed),
        Err(e) => return Err(e.into()),
    }
    Ok(Closing::Closed(Box::new(Closed { alert: Alert::from_item(&closed), hold_released: release })))
}
