//! Ids that sort in creation order within a process, even within one millisecond (plain ULIDs
//! only sort by millisecond). Used where order matters: outbox events, message lists.

use std::sync::Mutex;

static GENERATOR: Mutex<Option<ulid::Generator>> = Mutex::new(None);

pub fn ulid() -> ulid::Ulid {
    let mut guard = GENERATOR.lock().unwrap_or_else(|p| p.into_inner());
    let g = guard.get_or_insert_with(ulid::Generator::new);
    g.generate().unwrap_or_else(|_| ulid::Ulid::new())
}

#[cfg(test)]
mod tests {
    #[test]
    fn strictly_increasing() {
        let ids: Vec<_> = (0..1000).map(|_| super::ulid()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
