//! The event catalogue (`drop_domain::event::catalogue`) against `template.yaml`: every
//! `detail-type` a rule routes is a catalogue event, and each catalogue event reaches exactly the
//! consumers the catalogue names (rule → queue → function), or is marked published for outside
//! consumers.

use drop_domain::event::catalogue::{catalogue, Audience};
use drop_local::template::{EventSpec, Template};
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn every_routed_event_is_in_the_catalogue_and_reaches_its_consumers() {
    let t = Template::load(&drop_tests::root().join("template.yaml")).unwrap();
    let known: BTreeMap<String, Audience> = catalogue().into_iter().collect();
    // Queue → the functions it feeds.
    let mut feeds: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for f in &t.functions {
        for e in &f.events {
            if let EventSpec::Sqs { queue, .. } = e {
                feeds.entry(queue.as_str()).or_default().insert(f.binary.as_str());
            }
        }
    }
    let mut routed: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for rule in &t.rules {
        let types = rule.pattern["detail-type"].as_array().cloned().unwrap_or_default();
        assert!(!types.is_empty(), "{}: a rule names the detail-types it routes", rule.logical_id);
        assert_eq!(rule.pattern["source"], serde_json::json!(["drop.outbox"]), "{}", rule.logical_id);
        for ty in types {
            let ty = ty.as_str().unwrap().to_owned();
            assert!(known.contains_key(&ty), "{}: {ty} is not a catalogue event", rule.logical_id);
            for q in &rule.queues {
                routed.entry(ty.clone()).or_default().extend(feeds.get(q.as_str()).into_iter().flatten());
            }
        }
    }
    for (ty, audience) in &known {
        let reached = routed.get(ty).cloned().unwrap_or_default();
        match audience {
            Audience::Consumers(c) => {
                assert_eq!(reached, c.iter().copied().collect::<BTreeSet<_>>(), "{ty}: consumers")
            }
            Audience::Published => assert!(reached.is_empty(), "{ty} is consumed: name its consumers"),
        }
    }
}
