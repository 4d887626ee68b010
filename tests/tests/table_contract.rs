//! One contract for the `Table` port, run on SQLite always and on DynamoDB (moto) when
//! `AWS_ENDPOINT_URL` is set.

use drop_adapters::aws::DynamoTable;
use drop_adapters::embedded::{SqliteStore, SqliteTable};
use drop_services::table::*;
use drop_services::FixedClock;
use std::collections::BTreeMap;
use std::sync::Arc;

const T0: i64 = 1_800_000_000;

struct Fx {
    table: Arc<dyn Table>,
    clock: Arc<FixedClock>,
}

fn sqlite() -> Fx {
    let clock = Arc::new(FixedClock::at(T0));
    let store = SqliteStore::open(":memory:").unwrap();
    Fx { table: Arc::new(SqliteTable::new(store, "contract", clock.clone())), clock }
}

async fn dynamo() -> Fx {
    drop_tests::aws::require();
    let cfg = drop_tests::aws::config().await;
    let client = aws_sdk_dynamodb::Client::new(&cfg);
    let name = drop_tests::aws::unique("contract");
    drop_tests::aws::create_table(&client, &name).await;
    let clock = Arc::new(FixedClock::at(T0));
    Fx { table: Arc::new(DynamoTable::new(client, &name, clock.clone())), clock }
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(super::sqlite()).await } )* }
        mod on_dynamodb { $( #[ignore = "needs moto: tests/run.sh"] #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(super::dynamo().await).await } )* }
    };
}

contract!(
    put_then_get,
    get_missing_is_none,
    put_overwrites_whole_item,
    values_round_trip,
    absent_condition_fails_when_present_and_returns_current,
    absent_condition_succeeds_when_missing,
    present_condition_fails_when_missing,
    equals_condition,
    numeric_compare_conditions,
    not_equal_on_missing_attribute_is_false,
    and_or_conditions,
    delete_removes,
    conditional_delete_keeps_item_on_failure,
    update_creates_missing_item,
    update_set_add_remove,
    conditional_update_failure_returns_current,
    update_cannot_change_key,
    query_forward_in_sort_order,
    query_backward,
    query_prefix,
    query_between,
    query_pages_with_cursor_forward,
    query_pages_with_cursor_backward,
    query_gsi,
    query_gsi_is_sparse,
    query_gsi_pages,
    query_other_partition_is_empty,
    bad_cursor_is_invalid,
    unknown_index_is_invalid,
    transaction_applies_all,
    transaction_is_all_or_nothing_with_reasons,
    transaction_condition_check,
    transaction_same_item_twice_is_invalid,
    transaction_size_limits,
    ttl_expired_invisible_to_get,
    ttl_expired_invisible_to_query,
    ttl_expired_counts_as_absent_in_conditions,
    ttl_future_item_visible,
    race_conditional_put_has_one_winner,
    race_counter_add_loses_nothing,
);

fn it(pk: &str, sk: &str) -> Item {
    Item::new(pk, sk)
}

async fn put_then_get(fx: Fx) {
    fx.table.put(it("P", "A").with("x", "1").with("n", 7), None).await.unwrap();
    let got = fx.table.get(&Key::new("P", "A")).await.unwrap().unwrap();
    assert_eq!(got.s("x"), Some("1"));
    assert_eq!(got.n("n"), Some(7));
    assert_eq!(got.key().unwrap(), Key::new("P", "A"));
}

async fn get_missing_is_none(fx: Fx) {
    assert!(fx.table.get(&Key::new("P", "nope")).await.unwrap().is_none());
}

async fn put_overwrites_whole_item(fx: Fx) {
    fx.table.put(it("P", "A").with("x", "1").with("y", "2"), None).await.unwrap();
    fx.table.put(it("P", "A").with("x", "3"), None).await.unwrap();
    let got = fx.table.get(&Key::new("P", "A")).await.unwrap().unwrap();
    assert_eq!(got.s("x"), Some("3"));
    assert!(got.get("y").is_none());
}

async fn values_round_trip(fx: Fx) {
    let mut m = BTreeMap::new();
    m.insert("inner".to_owned(), Value::N(-42));
    let item = it("P", "V")
        .with("s", "æøå ✓")
        .with("n", i64::MIN + 1)
        .with("b", Value::B(vec![0, 1, 255]))
        .with("t", true)
        .with("z", Value::Null)
        .with("l", Value::L(vec![Value::S("a".into()), Value::N(1)]))
        .with("m", Value::M(m));
    fx.table.put(item.clone(), None).await.unwrap();
    assert_eq!(fx.table.get(&Key::new("P", "V")).await.unwrap().unwrap(), item);
}

async fn absent_condition_fails_when_present_and_returns_current(fx: Fx) {
    fx.table.put(it("P", "A").with("v", 1), None).await.unwrap();
    let err = fx.table.put(it("P", "A").with("v", 2), Some(Condition::absent())).await.unwrap_err();
    match err {
        TableError::ConditionFailed { current } => assert_eq!(current.unwrap().n("v"), Some(1)),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(fx.table.get(&Key::new("P", "A")).await.unwrap().unwrap().n("v"), Some(1));
}

async fn absent_condition_succeeds_when_missing(fx: Fx) {
    fx.table.put(it("P", "A"), Some(Condition::absent())).await.unwrap();
    assert!(fx.table.get(&Key::new("P", "A")).await.unwrap().is_some());
}

async fn present_condition_fails_when_missing(fx: Fx) {
    let err = fx.table.put(it("P", "A"), Some(Condition::present())).await.unwrap_err();
    assert!(matches!(err, TableError::ConditionFailed { current: None }), "{err:?}");
    assert!(fx.table.get(&Key::new("P", "A")).await.unwrap().is_none());
}

async fn equals_condition(fx: Fx) {
    fx.table.put(it("P", "A").with("state", "OPEN"), None).await.unwrap();
    let e = fx.table.put(it("P", "A").with("state", "X"), Some(Condition::eq("state", "CLOSED"))).await;
    assert!(e.unwrap_err().is_condition_failed());
    fx.table.put(it("P", "A").with("state", "CLOSED"), Some(Condition::eq("state", "OPEN"))).await.unwrap();
    assert_eq!(fx.table.get(&Key::new("P", "A")).await.unwrap().unwrap().s("state"), Some("CLOSED"));
}

async fn numeric_compare_conditions(fx: Fx) {
    fx.table.put(it("P", "A").with("bal", 100), None).await.unwrap();
    let dec = |need: i64| Update::new(Key::new("P", "A")).add("bal", -need).when(Condition::cmp("bal", Cmp::Ge, need));
    assert_eq!(fx.table.update(dec(60)).await.unwrap().n("bal"), Some(40));
    assert!(fx.table.update(dec(60)).await.unwrap_err().is_condition_failed());
    assert_eq!(fx.table.get(&Key::new("P", "A")).await.unwrap().unwrap().n("bal"), Some(40));
    for (op, n, ok) in [
        (Cmp::Lt, 41, true),
        (Cmp::Lt, 40, false),
        (Cmp::Le, 40, true),
        (Cmp::Gt, 39, true),
        (Cmp::Gt, 40, false),
        (Cmp::Ne, 40, false),
        (Cmp::Ne, 1, true),
    ] {
        let r = fx.table.update(Update::new(Key::new("P", "A")).set("t", "x").when(Condition::cmp("bal", op, n))).await;
        assert_eq!(r.is_ok(), ok, "bal {} {n}", op.symbol());
    }
}

async fn not_equal_on_missing_attribute_is_false(fx: Fx) {
    fx.table.put(it("P", "A"), None).await.unwrap();
    let r =
        fx.table.update(Update::new(Key::new("P", "A")).set("t", "x").when(Condition::cmp("nope", Cmp::Ne, 1))).await;
    assert!(r.unwrap_err().is_condition_failed());
}

async fn and_or_conditions(fx: Fx) {
    fx.table.put(it("P", "A").with("status", "INPROGRESS").with("exp", 10), None).await.unwrap();
    // The idempotency lock: absent OR expired OR (in progress AND lock expired).
    let lock = |now: i64| {
        Condition::Or(vec![
            Condition::absent(),
            Condition::cmp("exp", Cmp::Lt, now),
            Condition::eq("status", "INPROGRESS").and(Condition::cmp("lock", Cmp::Lt, now)),
        ])
    };
    assert!(fx.table.put(it("P", "A").with("v", 1), Some(lock(5))).await.unwrap_err().is_condition_failed());
    fx.table.put(it("P", "A").with("v", 2).with("exp", 100), Some(lock(11))).await.unwrap();
    fx.table.put(it("P", "B"), Some(lock(0))).await.unwrap();
    let both = Condition::present().and(Condition::eq("v", 2));
    fx.table.put(it("P", "A").with("v", 3), Some(both.clone())).await.unwrap();
    assert!(fx.table.put(it("P", "A"), Some(both)).await.unwrap_err().is_condition_failed());
}

async fn delete_removes(fx: Fx) {
    fx.table.put(it("P", "A"), None).await.unwrap();
    fx.table.delete(&Key::new("P", "A"), None).await.unwrap();
    assert!(fx.table.get(&Key::new("P", "A")).await.unwrap().is_none());
    fx.table.delete(&Key::new("P", "A"), None).await.unwrap();
}

async fn conditional_delete_keeps_item_on_failure(fx: Fx) {
    fx.table.put(it("P", "A").with("state", "OPEN"), None).await.unwrap();
    let e = fx.table.delete(&Key::new("P", "A"), Some(Condition::eq("state", "CLOSED"))).await.unwrap_err();
    assert!(e.is_condition_failed());
    assert!(fx.table.get(&Key::new("P", "A")).await.unwrap().is_some());
    fx.table.delete(&Key::new("P", "A"), Some(Condition::eq("state", "OPEN"))).await.unwrap();
    assert!(fx.table.get(&Key::new("P", "A")).await.unwrap().is_none());
}

async fn update_creates_missing_item(fx: Fx) {
    let out = fx.table.update(Update::new(Key::new("P", "C")).add("count", 3).set("a", "b")).await.unwrap();
    assert_eq!(out.n("count"), Some(3));
    assert_eq!(out.s("pk"), Some("P"));
    assert_eq!(fx.table.get(&Key::new("P", "C")).await.unwrap().unwrap().s("a"), Some("b"));
}

async fn update_set_add_remove(fx: Fx) {
    fx.table.put(it("P", "A").with("count", 1).with("gone", "x").with("keep", "k"), None).await.unwrap();
    let out =
        fx.table.update(Update::new(Key::new("P", "A")).add("count", 4).set("new", "n").remove("gone")).await.unwrap();
    assert_eq!(out.n("count"), Some(5));
    assert_eq!(out.s("new"), Some("n"));
    assert_eq!(out.s("keep"), Some("k"));
    assert!(out.get("gone").is_none());
    assert_eq!(fx.table.get(&Key::new("P", "A")).await.unwrap().unwrap(), out);
}

async fn conditional_update_failure_returns_current(fx: Fx) {
    fx.table.put(it("P", "A").with("version", 3), None).await.unwrap();
    let e = fx.table.update(Update::new(Key::new("P", "A")).add("version", 1).when(Condition::eq("version", 2))).await;
    match e.unwrap_err() {
        TableError::ConditionFailed { current } => {
            assert_eq!(current.unwrap().n("version"), Some(3))
        }
        other => panic!("{other:?}"),
    }
    let e = fx.table.update(Update::new(Key::new("P", "missing")).set("a", "b").when(Condition::present())).await;
    assert!(matches!(e.unwrap_err(), TableError::ConditionFailed { current: None }));
    assert!(fx.table.get(&Key::new("P", "missing")).await.unwrap().is_none());
}

async fn update_cannot_change_key(fx: Fx) {
    let e = fx.table.update(Update::new(Key::new("P", "A")).set("sk", "B")).await.unwrap_err();
    assert!(matches!(e, TableError::Invalid(_)), "{e:?}");
    let e = fx.table.update(Update::new(Key::new("P", "A"))).await.unwrap_err();
    assert!(matches!(e, TableError::Invalid(_)), "{e:?}");
}

async fn seed(fx: &Fx, pk: &str, sks: &[&str]) {
    for sk in sks {
        fx.table.put(it(pk, sk).with("label", *sk), None).await.unwrap();
    }
}

fn sks(p: &Page) -> Vec<String> {
    p.items.iter().map(|i| i.s("sk").unwrap().to_owned()).collect()
}

async fn query_forward_in_sort_order(fx: Fx) {
    seed(&fx, "Q", &["b", "a", "c", "B"]).await;
    seed(&fx, "OTHER", &["a"]).await;
    let p = fx.table.query(Query::partition("Q")).await.unwrap();
    assert_eq!(sks(&p), ["B", "a", "b", "c"]);
}

async fn query_backward(fx: Fx) {
    seed(&fx, "Q", &["1", "2", "3"]).await;
    let p = fx.table.query(Query::partition("Q").backward().limit(2)).await.unwrap();
    assert_eq!(sks(&p), ["3", "2"]);
}

async fn query_prefix(fx: Fx) {
    seed(&fx, "U", &["ACCOUNT#1", "ACCOUNT#2", "PAY#1", "PROFILE", "ACCOUNU"]).await;
    let p = fx.table.query(Query::partition("U").prefix("ACCOUNT#")).await.unwrap();
    assert_eq!(sks(&p), ["ACCOUNT#1", "ACCOUNT#2"]);
    let p = fx.table.query(Query::partition("U").prefix("P").backward()).await.unwrap();
    assert_eq!(sks(&p), ["PROFILE", "PAY#1"]);
}

async fn query_between(fx: Fx) {
    seed(&fx, "L", &["2026-01", "2026-02", "2026-03", "2026-04"]).await;
    let p = fx.table.query(Query::partition("L").between("2026-02", "2026-03")).await.unwrap();
    assert_eq!(sks(&p), ["2026-02", "2026-03"]);
}

async fn collect_pages(fx: &Fx, q: Query) -> (Vec<String>, usize) {
    let mut all = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let p = fx.table.query(q.clone().after(cursor)).await.unwrap();
        assert!(p.items.len() <= q.limit.unwrap_or(u32::MAX) as usize);
        all.extend(sks(&p));
        pages += 1;
        assert!(pages < 100, "pagination does not end");
        match p.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    (all, pages)
}

async fn query_pages_with_cursor_forward(fx: Fx) {
    let keys: Vec<String> = (0..7).map(|i| format!("K{i:02}")).collect();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    seed(&fx, "PG", &refs).await;
    let (all, pages) = collect_pages(&fx, Query::partition("PG").limit(3)).await;
    assert_eq!(all, keys);
    assert!(pages >= 3);
}

async fn query_pages_with_cursor_backward(fx: Fx) {
    let keys: Vec<String> = (0..5).map(|i| format!("K{i}")).collect();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    seed(&fx, "PG", &refs).await;
    let (all, _) = collect_pages(&fx, Query::partition("PG").backward().limit(2)).await;
    let mut rev = keys.clone();
    rev.reverse();
    assert_eq!(all, rev);
}

async fn query_gsi(fx: Fx) {
    for (u, id, status) in [("U1", "p1", "PAID"), ("U2", "p2", "OPEN"), ("U1", "p3", "PAID")] {
        fx.table
            .put(
                it(&format!("USER#{u}"), &format!("PAY#{id}"))
                    .with("gsi1pk", format!("STATUS#{status}"))
                    .with("gsi1sk", id),
                None,
            )
            .await
            .unwrap();
    }
    let p = fx.table.query(Query::partition("STATUS#PAID").on_index("gsi1")).await.unwrap();
    assert_eq!(sks(&p), ["PAY#p1", "PAY#p3"]);
    let p = fx.table.query(Query::partition("STATUS#PAID").on_index("gsi1").backward().limit(1)).await.unwrap();
    assert_eq!(sks(&p), ["PAY#p3"]);
    // Changing the indexed attribute moves the item in the index.
    fx.table.update(Update::new(Key::new("USER#U1", "PAY#p1")).set("gsi1pk", "STATUS#OPEN")).await.unwrap();
    let p = fx.table.query(Query::partition("STATUS#OPEN").on_index("gsi1")).await.unwrap();
    assert_eq!(sks(&p), ["PAY#p1", "PAY#p2"]);
}

async fn query_gsi_is_sparse(fx: Fx) {
    fx.table.put(it("A", "1").with("gsi2pk", "X").with("gsi2sk", "1"), None).await.unwrap();
    fx.table.put(it("A", "2").with("gsi2pk", "X"), None).await.unwrap();
    fx.table.put(it("A", "3"), None).await.unwrap();
    let p = fx.table.query(Query::partition("X").on_index("gsi2")).await.unwrap();
    assert_eq!(sks(&p), ["1"]);
}

async fn query_gsi_pages(fx: Fx) {
    for i in 0..5 {
        fx.table.put(it(&format!("P{i}"), "S").with("gsi3pk", "ALL").with("gsi3sk", "same"), None).await.unwrap();
    }
    let (all, _) = collect_pages(&fx, Query::partition("ALL").on_index("gsi3").limit(2)).await;
    assert_eq!(all.len(), 5);
}

async fn query_other_partition_is_empty(fx: Fx) {
    seed(&fx, "A", &["1"]).await;
    let p = fx.table.query(Query::partition("B")).await.unwrap();
    assert!(p.items.is_empty());
    assert!(p.cursor.is_none());
}

async fn bad_cursor_is_invalid(fx: Fx) {
    for junk in ["%%%not-a-cursor", "e30", "bm90IGpzb24"] {
        let e = fx.table.query(Query::partition("A").after(Some(junk.into()))).await.unwrap_err();
        assert!(matches!(e, TableError::BadCursor), "{junk}: {e:?}");
    }
    // A cursor from another partition is refused, or (SQLite: a position in the sort order) harmless.
    seed(&fx, "A", &["1", "2", "3"]).await;
    seed(&fx, "B", &["1", "2", "3"]).await;
    let foreign = fx.table.query(Query::partition("A").limit(1)).await.unwrap().cursor.unwrap();
    match fx.table.query(Query::partition("B").after(Some(foreign))).await {
        Err(TableError::BadCursor) => {}
        Ok(page) if fx.table.kind() == "sqlite" => assert!(page.items.iter().all(|i| i.s("pk") == Some("B"))),
        other => panic!("{other:?}"),
    }
}

async fn unknown_index_is_invalid(fx: Fx) {
    let e = fx.table.query(Query::partition("A").on_index("byname")).await.unwrap_err();
    assert!(matches!(e, TableError::Invalid(_)), "{e:?}");
}

async fn transaction_applies_all(fx: Fx) {
    fx.table.put(it("ACC", "a").with("bal", 10), None).await.unwrap();
    fx.table
        .transact(vec![
            TxOp::Update(Update::new(Key::new("ACC", "a")).add("bal", -10).when(Condition::cmp("bal", Cmp::Ge, 10))),
            TxOp::Update(Update::new(Key::new("ACC", "b")).add("bal", 10)),
            TxOp::Put { item: it("TR", "1").with("amount", 10), condition: Some(Condition::absent()) },
        ])
        .await
        .unwrap();
    assert_eq!(fx.table.get(&Key::new("ACC", "a")).await.unwrap().unwrap().n("bal"), Some(0));
    assert_eq!(fx.table.get(&Key::new("ACC", "b")).await.unwrap().unwrap().n("bal"), Some(10));
    assert!(fx.table.get(&Key::new("TR", "1")).await.unwrap().is_some());
}

async fn transaction_is_all_or_nothing_with_reasons(fx: Fx) {
    fx.table.put(it("ACC", "a").with("bal", 5), None).await.unwrap();
    fx.table.put(it("OLD", "x"), None).await.unwrap();
    let e = fx
        .table
        .transact(vec![
            TxOp::Put { item: it("NEW", "1"), condition: None },
            TxOp::Update(Update::new(Key::new("ACC", "a")).add("bal", -10).when(Condition::cmp("bal", Cmp::Ge, 10))),
            TxOp::Delete { key: Key::new("OLD", "x"), condition: None },
        ])
        .await
        .unwrap_err();
    match e {
        TableError::TransactionCanceled { reasons } => {
            assert_eq!(reasons.len(), 3);
            assert!(reasons[0].is_none());
            match &reasons[1] {
                Some(CancelReason::ConditionFailed { current }) => {
                    assert_eq!(current.as_ref().unwrap().n("bal"), Some(5))
                }
                other => panic!("{other:?}"),
            }
            assert!(reasons[2].is_none());
        }
        other => panic!("{other:?}"),
    }
    assert!(fx.table.get(&Key::new("NEW", "1")).await.unwrap().is_none());
    assert!(fx.table.get(&Key::new("OLD", "x")).await.unwrap().is_some());
    assert_eq!(fx.table.get(&Key::new("ACC", "a")).await.unwrap().unwrap().n("bal"), Some(5));
}

async fn transaction_condition_check(fx: Fx) {
    fx.table.put(it("USER", "u").with("status", "ACTIVE"), None).await.unwrap();
    let op = |st: &str| {
        vec![
            TxOp::ConditionCheck { key: Key::new("USER", "u"), condition: Condition::eq("status", st) },
            TxOp::Put { item: it("PAY", st), condition: None },
        ]
    };
    assert!(matches!(fx.table.transact(op("BLOCKED")).await.unwrap_err(), TableError::TransactionCanceled { .. }));
    assert!(fx.table.get(&Key::new("PAY", "BLOCKED")).await.unwrap().is_none());
    fx.table.transact(op("ACTIVE")).await.unwrap();
    assert!(fx.table.get(&Key::new("PAY", "ACTIVE")).await.unwrap().is_some());
}

async fn transaction_same_item_twice_is_invalid(fx: Fx) {
    let e = fx
        .table
        .transact(vec![
            TxOp::Put { item: it("A", "1"), condition: None },
            TxOp::Update(Update::new(Key::new("A", "1")).set("x", "y")),
        ])
        .await
        .unwrap_err();
    assert!(matches!(e, TableError::Invalid(_)), "{e:?}");
    assert!(fx.table.get(&Key::new("A", "1")).await.unwrap().is_none());
}

async fn transaction_size_limits(fx: Fx) {
    let ops = |n: usize| {
        (0..n).map(|i| TxOp::Put { item: it("BIG", &format!("{i:03}")), condition: None }).collect::<Vec<_>>()
    };
    assert!(matches!(fx.table.transact(ops(101)).await.unwrap_err(), TableError::Invalid(_)));
    assert!(matches!(fx.table.transact(vec![]).await.unwrap_err(), TableError::Invalid(_)));
    fx.table.transact(ops(100)).await.unwrap();
    let (all, _) = collect_pages(&fx, Query::partition("BIG")).await;
    assert_eq!(all.len(), 100);
}

async fn ttl_expired_invisible_to_get(fx: Fx) {
    fx.table.put(it("S", "old").with(TTL_ATTR, T0 + 10), None).await.unwrap();
    assert!(fx.table.get(&Key::new("S", "old")).await.unwrap().is_some());
    fx.clock.advance(10);
    assert!(fx.table.get(&Key::new("S", "old")).await.unwrap().is_none());
}

async fn ttl_expired_invisible_to_query(fx: Fx) {
    fx.table.put(it("S", "a").with(TTL_ATTR, T0 - 1), None).await.unwrap();
    fx.table.put(it("S", "b"), None).await.unwrap();
    fx.table.put(it("S", "c").with(TTL_ATTR, T0 + 1000), None).await.unwrap();
    let p = fx.table.query(Query::partition("S")).await.unwrap();
    assert_eq!(sks(&p), ["b", "c"]);
}

async fn ttl_expired_counts_as_absent_in_conditions(fx: Fx) {
    fx.table.put(it("OIDC", "state").with(TTL_ATTR, T0 + 5).with("v", 1), None).await.unwrap();
    assert!(fx.table.put(it("OIDC", "state"), Some(Condition::absent())).await.unwrap_err().is_condition_failed());
    fx.clock.advance(6);
    let e = fx.table.delete(&Key::new("OIDC", "state"), Some(Condition::present())).await.unwrap_err();
    assert!(matches!(e, TableError::ConditionFailed { current: None }), "{e:?}");
    fx.table.put(it("OIDC", "state").with("v", 2), Some(Condition::absent())).await.unwrap();
    assert_eq!(fx.table.get(&Key::new("OIDC", "state")).await.unwrap().unwrap().n("v"), Some(2));
}

async fn ttl_future_item_visible(fx: Fx) {
    fx.table.put(it("S", "f").with(TTL_ATTR, T0 + 1), None).await.unwrap();
    assert!(fx.table.get(&Key::new("S", "f")).await.unwrap().is_some());
    assert_eq!(fx.table.query(Query::partition("S")).await.unwrap().items.len(), 1);
}

async fn race_conditional_put_has_one_winner(fx: Fx) {
    let mut tasks = Vec::new();
    for i in 0..20 {
        let t = fx.table.clone();
        tasks.push(tokio::spawn(
            async move { t.put(it("RACE", "one").with("winner", i), Some(Condition::absent())).await },
        ));
    }
    let mut wins = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        match task.await.unwrap() {
            Ok(()) => wins.push(i as i64),
            Err(e) => assert!(e.is_condition_failed(), "{e:?}"),
        }
    }
    assert_eq!(wins.len(), 1, "exactly one conditional put wins");
    let stored = fx.table.get(&Key::new("RACE", "one")).await.unwrap().unwrap();
    assert_eq!(stored.n("winner"), Some(wins[0]));
}

async fn race_counter_add_loses_nothing(fx: Fx) {
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let t = fx.table.clone();
        tasks.push(tokio::spawn(async move { t.update(Update::new(Key::new("CTR", "c")).add("n", 1)).await }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(fx.table.get(&Key::new("CTR", "c")).await.unwrap().unwrap().n("n"), Some(20));
}

#[tokio::test]
async fn sqlite_purges_expired_rows() {
    let clock = Arc::new(FixedClock::at(T0));
    let t = SqliteTable::new(SqliteStore::open(":memory:").unwrap(), "purge", clock.clone());
    t.put(it("S", "a").with(TTL_ATTR, T0 + 1).with("gsi1pk", "G").with("gsi1sk", "a"), None).await.unwrap();
    t.put(it("S", "b"), None).await.unwrap();
    clock.advance(2);
    assert_eq!(t.stored_rows().await.unwrap(), 2);
    assert_eq!(t.purge_expired().await.unwrap(), 1);
    assert_eq!(t.stored_rows().await.unwrap(), 1);
    assert!(t.query(Query::partition("G").on_index("gsi1")).await.unwrap().items.is_empty());
}

#[tokio::test]
async fn sqlite_file_persists_across_opens() {
    let dir = std::env::temp_dir().join(drop_tests::aws::unique("drop-sqlite"));
    let path = dir.join("local.db");
    let clock = Arc::new(FixedClock::at(T0));
    {
        let t = SqliteTable::new(SqliteStore::open(path.to_str().unwrap()).unwrap(), "main", clock.clone());
        t.put(it("P", "A").with("x", "kept"), None).await.unwrap();
    }
    let t = SqliteTable::new(SqliteStore::open(path.to_str().unwrap()).unwrap(), "main", clock);
    assert_eq!(t.get(&Key::new("P", "A")).await.unwrap().unwrap().s("x"), Some("kept"));
    let _ = std::fs::remove_dir_all(dir);
}
