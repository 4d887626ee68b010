//! Job queue contract (SQLite and SQS), bus publishing (batching, partial-failure retries) and
//! EventBridge → rule → SQS on moto, outbox and dedupe.

use drop_adapters::aws::{EventBridgeBus, SqsQueue};
use drop_adapters::embedded::{QueueConfig, SqliteQueue, SqliteStore, SqliteTable};
use drop_domain::event::catalogue::{DomainEvent, PaymentChanged};
use drop_services::dedupe::{self, Outcome};
use drop_services::events::{outbox_put, publish, BusError, BusEvent, EventBus};
use drop_services::queue::JobQueue;
use drop_services::table::{Key, Query, Table, TxOp, Update};
use drop_services::{FixedClock, SystemClock};
use std::sync::{Arc, Mutex};

struct QFx {
    q: Arc<dyn JobQueue>,
    main: String,
    dlq: String,
}

fn sqlite_queue() -> QFx {
    let q = SqliteQueue::new(SqliteStore::open(":memory:").unwrap(), Arc::new(SystemClock));
    q.configure("main", QueueConfig { dead_letter: Some("dlq".into()), max_receive: 2 });
    QFx { q: Arc::new(q), main: "main".into(), dlq: "dlq".into() }
}

async fn sqs_queue() -> QFx {
    drop_tests::aws::require();
    let client = aws_sdk_sqs::Client::new(&drop_tests::aws::config().await);
    let dlq = client.create_queue().queue_name(drop_tests::aws::unique("dlq")).send().await.unwrap().queue_url.unwrap();
    let dlq_arn = drop_tests::aws::queue_arn(&client, &dlq).await;
    let main = client
        .create_queue()
        .queue_name(drop_tests::aws::unique("main"))
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy,
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"2"}}"#),
        )
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    QFx { q: Arc::new(SqsQueue::new(client)), main, dlq }
}

macro_rules! queue_contract {
    ($($name:ident),* $(,)?) => {
        mod queue_on_sqlite { $( #[tokio::test] async fn $name() { super::$name(super::sqlite_queue()).await } )* }
        mod queue_on_sqs { $( #[ignore = "needs moto: tests/run.sh"] #[tokio::test] async fn $name() { super::$name(super::sqs_queue().await).await } )* }
    };
}

queue_contract!(send_receive_delete, received_message_is_hidden, redrive_to_dead_letter_queue);

async fn send_receive_delete(fx: QFx) {
    fx.q.send(&fx.main, r#"{"job":1}"#).await.unwrap();
    let got = fx.q.receive(&fx.main, 10, 30).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, r#"{"job":1}"#);
    assert_eq!(got[0].receive_count, 1);
    fx.q.delete(&fx.main, &got[0].receipt).await.unwrap();
    assert!(fx.q.receive(&fx.main, 10, 0).await.unwrap().is_empty());
}

async fn received_message_is_hidden(fx: QFx) {
    fx.q.send(&fx.main, "a").await.unwrap();
    assert_eq!(fx.q.receive(&fx.main, 10, 30).await.unwrap().len(), 1);
    assert!(fx.q.receive(&fx.main, 10, 30).await.unwrap().is_empty());
}

async fn redrive_to_dead_letter_queue(fx: QFx) {
    fx.q.send(&fx.main, "poison").await.unwrap();
    for n in 1..=2 {
        let got = fx.q.receive(&fx.main, 10, 0).await.unwrap();
        assert_eq!(got.len(), 1, "receive {n}");
        assert_eq!(got[0].receive_count, n);
    }
    // The third receive moves it to the DLQ instead of delivering it.
    assert!(fx.q.receive(&fx.main, 10, 0).await.unwrap().is_empty());
    let dead = fx.q.receive(&fx.dlq, 10, 30).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "poison");
}

/// A bus that refuses the entries whose detail contains "flaky" on their first attempt.
#[derive(Default)]
struct FlakyBus {
    batches: Mutex<Vec<usize>>,
    seen: Mutex<std::collections::HashSet<String>>,
    delivered: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl EventBus for FlakyBus {
    fn kind(&self) -> &'static str {
        "fake"
    }
    async fn put_batch(&self, events: &[BusEvent]) -> Result<Vec<Option<String>>, BusError> {
        self.batches.lock().unwrap().push(events.len());
        Ok(events
            .iter()
            .map(|e| {
                let first_try_of_flaky =
                    e.detail.contains("flaky") && self.seen.lock().unwrap().insert(e.detail.clone());
                if first_try_of_flaky || e.detail.contains("never") {
                    Some("InternalFailure".into())
                } else {
                    self.delivered.lock().unwrap().push(e.detail.clone());
                    None
                }
            })
            .collect())
    }
}

fn ev(detail: &str) -> BusEvent {
    BusEvent { source: "drop.outbox".into(), detail_type: "t".into(), detail: detail.into() }
}

#[tokio::test]
async fn publish_batches_by_ten_and_retries_partial_failures() {
    let bus = FlakyBus::default();
    let events: Vec<BusEvent> =
        (0..23).map(|i| ev(&format!("{{\"n\":{i}{}}}", if i % 5 == 0 { ",\"flaky\":1" } else { "" }))).collect();
    publish(&bus, &events, 3).await.unwrap();
    let batches = bus.batches.lock().unwrap().clone();
    assert!(batches.iter().all(|&n| n <= 10), "{batches:?}");
    let mut delivered = bus.delivered.lock().unwrap().clone();
    delivered.sort();
    delivered.dedup();
    assert_eq!(delivered.len(), 23, "every event delivered once retried");
}

#[tokio::test]
async fn publish_reports_what_never_got_through() {
    let bus = FlakyBus::default();
    let events = vec![ev("ok1"), ev("never"), ev("ok2")];
    match publish(&bus, &events, 2).await {
        Err(BusError::Partial { failed: 1, total: 3 }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(bus.batches.lock().unwrap().as_slice(), &[3, 1]);
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test]
async fn eventbridge_rule_delivers_to_sqs() {
    drop_tests::aws::require();
    let cfg = drop_tests::aws::config().await;
    let eb = aws_sdk_eventbridge::Client::new(&cfg);
    let sqs = aws_sdk_sqs::Client::new(&cfg);
    let bus_name = drop_tests::aws::unique("bus");
    eb.create_event_bus().name(&bus_name).send().await.unwrap();
    let url = sqs.create_queue().queue_name(drop_tests::aws::unique("target")).send().await.unwrap().queue_url.unwrap();
    let arn = drop_tests::aws::queue_arn(&sqs, &url).await;
    eb.put_rule()
        .name("r")
        .event_bus_name(&bus_name)
        .event_pattern(r#"{"source":["drop.outbox"],"detail-type":["platform.canary"]}"#)
        .send()
        .await
        .unwrap();
    eb.put_targets()
        .rule("r")
        .event_bus_name(&bus_name)
        .targets(aws_sdk_eventbridge::types::Target::builder().id("q").arn(arn).build().unwrap())
        .send()
        .await
        .unwrap();
    let bus = EventBridgeBus::new(eb, &bus_name);
    let mut events: Vec<BusEvent> = (0..12)
        .map(|i| BusEvent {
            source: "drop.outbox".into(),
            detail_type: "platform.canary".into(),
            detail: format!("{{\"n\":{i}}}"),
        })
        .collect();
    events.push(BusEvent { source: "drop.outbox".into(), detail_type: "other".into(), detail: "{}".into() });
    publish(&bus, &events, 3).await.unwrap();
    let q = SqsQueue::new(sqs);
    let mut got = Vec::new();
    for _ in 0..10 {
        let batch = q.receive(&url, 10, 30).await.unwrap();
        if batch.is_empty() {
            break;
        }
        got.extend(batch);
    }
    assert_eq!(got.len(), 12, "only the matching events reach the queue");
    let env: drop_domain::event::BusEnvelope = serde_json::from_str(&serde_json::to_string(&serde_json::json!({
        "detail-type": "platform.canary", "source": "drop.outbox",
        "detail": {"event_id":"e","type":"t","aggregate_type":"a","aggregate_id":"i","occurred_at":"o","payload":"{}"}
    })).unwrap()).unwrap();
    assert_eq!(env.detail.event_id, "e");
    let body: serde_json::Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["detail-type"], "platform.canary");
    assert_eq!(body["source"], "drop.outbox");
}

#[tokio::test]
async fn outbox_item_is_written_with_the_state_change_or_not_at_all() {
    let clock = Arc::new(FixedClock::at(1_800_000_000));
    let table = SqliteTable::new(SqliteStore::open(":memory:").unwrap(), "main", clock.clone());
    let changed = PaymentChanged {
        v: 1,
        user_id: "usr_1".into(),
        status: drop_domain::payment::Status::Completed,
        amount_minor: 150000,
        currency: "NOK".into(),
    };
    let event = DomainEvent::Payment { payment_id: "pay_1".into(), changed };
    let (put, detail) = outbox_put(&event, drop_services::Clock::now(&*clock));
    // The state change's condition fails: the event must not exist either.
    let failing = TxOp::Update(
        Update::new(Key::new("PAY", "1")).set("status", "completed").when(drop_services::table::Condition::present()),
    );
    assert!(table.transact(vec![failing, put.clone()]).await.is_err());
    let shard = drop_domain::keys::outbox_shard(&detail.event_id);
    let pk = drop_domain::keys::outbox_pk(shard);
    assert!(table.query(Query::partition(&pk)).await.unwrap().items.is_empty());
    table
        .transact(vec![TxOp::Update(Update::new(Key::new("PAY", "1")).set("status", "completed")), put])
        .await
        .unwrap();
    let items = table.query(Query::partition(&pk)).await.unwrap().items;
    assert_eq!(items.len(), 1);
    let back = drop_services::events::detail_from_item(&items[0]).unwrap();
    assert_eq!(back, detail);
    assert_eq!(back.payload_json().unwrap()["amount_minor"], 150000);
}

#[tokio::test]
async fn dedupe_applies_an_effect_once_per_event() {
    let clock = FixedClock::at(1_800_000_000);
    let table = SqliteTable::new(SqliteStore::open(":memory:").unwrap(), "main", Arc::new(SystemClock));
    let effect = || vec![TxOp::Update(Update::new(Key::new("CTR", "c")).add("n", 1))];
    let now = drop_services::Clock::epoch(&clock);
    assert_eq!(dedupe::once(&table, "c1", "evt_1", now, effect()).await.unwrap(), Outcome::Applied);
    assert_eq!(dedupe::once(&table, "c1", "evt_1", now, effect()).await.unwrap(), Outcome::Duplicate);
    assert_eq!(dedupe::once(&table, "c2", "evt_1", now, effect()).await.unwrap(), Outcome::Applied);
    assert_eq!(table.get(&Key::new("CTR", "c")).await.unwrap().unwrap().n("n"), Some(2));
}
