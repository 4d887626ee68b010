//! Every key pattern of the main table, in one place (design §4).

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
