//! The `Table` port on DynamoDB.

use super::describe;
use super::dynamodb_expr::{from_map, to_av, to_map, Expr};
use crate::cursor;
use async_trait::async_trait;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeValue as Av, ConditionCheck, Delete, Put, ReturnValue, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update as DUpdate,
};
use aws_sdk_dynamodb::Client;
use drop_services::table::*;
use drop_services::Clock;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub struct DynamoTable {
    client: Client,
    name: String,
    clock: Arc<dyn Clock>,
}

fn key_map(key: &Key) -> HashMap<String, Av> {
    HashMap::from([("pk".to_owned(), Av::S(key.pk.clone())), ("sk".to_owned(), Av::S(key.sk.clone()))])
}

/// Errors every operation can give, by code.
fn common<E: ProvideErrorMetadata + std::fmt::Debug>(e: &E) -> TableError {
    match e.code() {
        Some("ProvisionedThroughputExceededException" | "ThrottlingException" | "RequestLimitExceeded") => {
            TableError::Throttled
        }
        Some("ValidationException") => TableError::Invalid(describe(e)),
        _ => TableError::Unavailable(describe(e)),
    }
}

fn sdk<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(e: &SdkError<E, R>) -> TableError {
    match e {
        SdkError::ServiceError(s) => common(s.err()),
        other => TableError::Unavailable(format!("{other}")),
    }
}

fn old_item(m: Option<&HashMap<String, Av>>, now: i64) -> Option<Box<Item>> {
    m.filter(|m| !m.is_empty()).and_then(|m| from_map(m).ok()).filter(|i| !i.is_expired(now)).map(Box::new)
}

/// Maps an operation's error; a failed condition carries the item as it is (if live).
macro_rules! op_error {
    ($variant:path, $e:expr, $now:expr) => {{
        let e = $e;
        match &e {
            SdkError::ServiceError(s) => match s.err() {
                $variant(c) => TableError::ConditionFailed { current: old_item(c.item(), $now) },
                _ => sdk(&e),
            },
            _ => sdk(&e),
        }
    }};
}

struct Built {
    expr: Expr,
    update: String,
    condition: Option<String>,
}

impl DynamoTable {
    pub fn new(client: Client, name: &str, clock: Arc<dyn Clock>) -> Self {
        DynamoTable { client, name: name.to_owned(), clock }
    }

    fn build_update(&self, u: &Update, now: i64) -> Built {
        let mut expr = Expr::default();
        let mut clauses = Vec::new();
        if !u.set.is_empty() {
            let sets: Vec<String> = u
                .set
                .iter()
                .map(|(n, v)| {
                    let (n, v) = (expr.name(n), expr.value(to_av(v)));
                    format!("{n} = {v}")
                })
                .collect();
            clauses.push(format!("SET {}", sets.join(", ")));
        }
        if !u.add.is_empty() {
            let adds: Vec<String> = u
                .add
                .iter()
                .map(|(n, d)| {
                    let (n, v) = (expr.name(n), expr.value(Av::N(d.to_string())));
                    format!("{n} {v}")
                })
                .collect();
            clauses.push(format!("ADD {}", adds.join(", ")));
        }
        if !u.remove.is_empty() {
            let rems: Vec<String> = u.remove.iter().map(|n| expr.name(n)).collect();
            clauses.push(format!("REMOVE {}", rems.join(", ")));
        }
        let condition = u.condition.as_ref().map(|c| expr.ttl_aware(c, now));
        Built { expr, update: clauses.join(" "), condition }
    }
}

#[async_trait]
impl Table for DynamoTable {
    fn kind(&self) -> &'static str {
        "dynamodb"
    }

    fn name(&self) -> &str {
        &self.name
    }

    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        drop_services::aws_calls::record("dynamodb:GetItem", &self.name);
        let out = self
            .client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(key_map(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk(&e))?;
        let now = self.clock.epoch();
        match out.item() {
            Some(m) => Ok(Some(from_map(m)?).filter(|i| !i.is_expired(now))),
            None => Ok(None),
        }
    }

    async fn put(&self, item: Item, condition: Option<Condition>) -> Result<(), TableError> {
        item.key()?;
        drop_services::aws_calls::record("dynamodb:PutItem", &self.name);
        let now = self.clock.epoch();
        let mut expr = Expr::default();
        let cond = condition.as_ref().map(|c| expr.ttl_aware(c, now));
        let res = self
            .client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(to_map(&item)))
            .set_condition_expression(cond)
            .set_expression_attribute_names(expr.names_opt())
            .set_expression_attribute_values(expr.values_opt())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        res.map(|_| ()).map_err(|e| {
            op_error!(aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException, e, now)
        })
    }

    async fn delete(&self, key: &Key, condition: Option<Condition>) -> Result<(), TableError> {
        drop_services::aws_calls::record("dynamodb:DeleteItem", &self.name);
        let now = self.clock.epoch();
        let mut expr = Expr::default();
        let cond = condition.as_ref().map(|c| expr.ttl_aware(c, now));
        let res = self
            .client
            .delete_item()
            .table_name(&self.name)
            .set_key(Some(key_map(key)))
            .set_condition_expression(cond)
            .set_expression_attribute_names(expr.names_opt())
            .set_expression_attribute_values(expr.values_opt())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        res.map(|_| ()).map_err(|e| {
            op_error!(
                aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException,
                e,
                now
            )
        })
    }

    async fn update(&self, update: Update) -> Result<Item, TableError> {
        drop_services::aws_calls::record("dynamodb:UpdateItem", &self.name);
        update.validate()?;
        let now = self.clock.epoch();
        let b = self.build_update(&update, now);
        let res = self
            .client
            .update_item()
            .table_name(&self.name)
            .set_key(Some(key_map(&update.key)))
            .update_expression(b.update)
            .set_condition_expression(b.condition)
            .set_expression_attribute_names(b.expr.names_opt())
            .set_expression_attribute_values(b.expr.values_opt())
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match res {
            Ok(out) => from_map(out.attributes().ok_or_else(|| TableError::Unavailable("no attributes".into()))?),
            Err(e) => Err(op_error!(
                aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException,
                e,
                now
            )),
        }
    }

    async fn query(&self, q: Query) -> Result<Page, TableError> {
        drop_services::aws_calls::record_query(&self.name, q.index.as_deref());
        let (pa, sa) = q.key_attrs()?;
        let now = self.clock.epoch();
        let mut expr = Expr::default();
        let (pn, pv) = (expr.name(&pa), expr.value(Av::S(q.pk.clone())));
        let mut kc = format!("{pn} = {pv}");
        match &q.sort {
            SortKey::All => {}
            SortKey::Prefix(p) => {
                let (sn, sv) = (expr.name(&sa), expr.value(Av::S(p.clone())));
                kc.push_str(&format!(" AND begins_with({sn}, {sv})"));
            }
            SortKey::Between(a, b) => {
                let sn = expr.name(&sa);
                let (av, bv) = (expr.value(Av::S(a.clone())), expr.value(Av::S(b.clone())));
                kc.push_str(&format!(" AND {sn} BETWEEN {av} AND {bv}"));
            }
        }
        let ttl = expr.name(TTL_ATTR);
        let nowv = expr.value(Av::N(now.to_string()));
        let filter = format!("attribute_not_exists({ttl}) OR {ttl} > {nowv}");
        let start = match &q.cursor {
            Some(c) => {
                let m: BTreeMap<String, Value> = cursor::decode(c)?;
                // A cursor is only good for the partition it came from (and must carry its keys).
                if m.get(&pa) != Some(&Value::S(q.pk.clone())) || !m.contains_key(&sa) {
                    return Err(TableError::BadCursor);
                }
                Some(m.iter().map(|(k, v)| (k.clone(), to_av(v))).collect::<HashMap<_, _>>())
            }
            None => None,
        };
        let out = self
            .client
            .query()
            .table_name(&self.name)
            .set_index_name(q.index.clone())
            .key_condition_expression(kc)
            .filter_expression(filter)
            .set_expression_attribute_names(expr.names_opt())
            .set_expression_attribute_values(expr.values_opt())
            .scan_index_forward(q.forward)
            .set_limit(q.limit.map(|l| l.min(i32::MAX as u32) as i32))
            .set_exclusive_start_key(start)
            .set_consistent_read(q.index.is_none().then_some(true))
            .send()
            .await
            .map_err(|e| sdk(&e))?;
        let items = out.items().iter().map(from_map).collect::<Result<Vec<_>, _>>()?;
        let cursor = match out.last_evaluated_key() {
            Some(k) if !k.is_empty() => {
                let m: BTreeMap<String, Value> = from_map(k)?.0;
                Some(cursor::encode(&m))
            }
            _ => None,
        };
        Ok(Page { items, cursor })
    }

    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), TableError> {
        drop_services::aws_calls::record_transact(&self.name, &ops);
        validate_transaction(&ops)?;
        let now = self.clock.epoch();
        let mut items = Vec::with_capacity(ops.len());
        for op in &ops {
            let rv = ReturnValuesOnConditionCheckFailure::AllOld;
            let built = match op {
                TxOp::Put { item, condition } => {
                    let mut expr = Expr::default();
                    let cond = condition.as_ref().map(|c| expr.ttl_aware(c, now));
                    let p = Put::builder()
                        .table_name(&self.name)
                        .set_item(Some(to_map(item)))
                        .set_condition_expression(cond)
                        .set_expression_attribute_names(expr.names_opt())
                        .set_expression_attribute_values(expr.values_opt())
                        .return_values_on_condition_check_failure(rv)
                        .build()
                        .map_err(|e| TableError::Invalid(e.to_string()))?;
                    TransactWriteItem::builder().put(p).build()
                }
                TxOp::Update(u) => {
                    u.validate()?;
                    let b = self.build_update(u, now);
                    let d = DUpdate::builder()
                        .table_name(&self.name)
                        .set_key(Some(key_map(&u.key)))
                        .update_expression(b.update)
                        .set_condition_expression(b.condition)
                        .set_expression_attribute_names(b.expr.names_opt())
                        .set_expression_attribute_values(b.expr.values_opt())
                        .return_values_on_condition_check_failure(rv)
                        .build()
                        .map_err(|e| TableError::Invalid(e.to_string()))?;
                    TransactWriteItem::builder().update(d).build()
                }
                TxOp::Delete { key, condition } => {
                    let mut expr = Expr::default();
                    let cond = condition.as_ref().map(|c| expr.ttl_aware(c, now));
                    let d = Delete::builder()
                        .table_name(&self.name)
                        .set_key(Some(key_map(key)))
                        .set_condition_expression(cond)
                        .set_expression_attribute_names(expr.names_opt())
                        .set_expression_attribute_values(expr.values_opt())
                        .return_values_on_condition_check_failure(rv)
                        .build()
                        .map_err(|e| TableError::Invalid(e.to_string()))?;
                    TransactWriteItem::builder().delete(d).build()
                }
                TxOp::ConditionCheck { key, condition } => {
                    let mut expr = Expr::default();
                    let cond = expr.ttl_aware(condition, now);
                    let c = ConditionCheck::builder()
                        .table_name(&self.name)
                        .set_key(Some(key_map(key)))
                        .condition_expression(cond)
                        .set_expression_attribute_names(expr.names_opt())
                        .set_expression_attribute_values(expr.values_opt())
                        .return_values_on_condition_check_failure(rv)
                        .build()
                        .map_err(|e| TableError::Invalid(e.to_string()))?;
                    TransactWriteItem::builder().condition_check(c).build()
                }
            };
            items.push(built);
        }
        let res = self.client.transact_write_items().set_transact_items(Some(items)).send().await;
        match res {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(s)) => match s.err() {
                aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(
                    c,
                ) => {
                    let reasons = c
                        .cancellation_reasons()
                        .iter()
                        .map(|r| match r.code() {
                            None | Some("None") => None,
                            Some("ConditionalCheckFailed") => {
                                Some(CancelReason::ConditionFailed { current: old_item(r.item(), now) })
                            }
                            Some("TransactionConflict") => Some(CancelReason::Conflict),
                            Some(other) => Some(CancelReason::Other(other.to_owned())),
                        })
                        .collect();
                    Err(TableError::TransactionCanceled { reasons })
                }
                other => Err(common(other)),
            },
            Err(e) => Err(sdk(&e)),
        }
    }
}
