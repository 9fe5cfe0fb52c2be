//! The shared state in this process's memory: right for one instance. It is bounded: at most
//! [`MAX_KEYS`] counters, and no request does more than a few steps of upkeep, whatever the
//! number of keys (a flood of addresses cannot make each request scan them all). Records (the
//! "seen once" marks among them) are kept apart from the counters, so a flood of counters never
//! pushes one out before its lifetime: when [`MAX_RECORDS`] are live, a new one is refused
//! (`Unavailable`) rather than an old one forgotten. Locks are held only while their work runs,
//! so there are only ever as many as changes under way.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Mutex, MutexGuard},
    time::Duration,
};

use tokio::time::Instant;

use super::{Lease, Unavailable, WindowCount};

/// Counters kept at most; past it, the one whose window ends first goes.
const MAX_KEYS: usize = 100_000;
/// Live records kept at most; past it, new ones are refused.
const MAX_RECORDS: usize = 100_000;
/// Expired counters one call removes at most; the rest wait for the next calls.
const PRUNED_PER_CALL: usize = 16;

#[derive(Default)]
pub struct MemoryState {
    counters: Mutex<Counters>,
    records: Mutex<Records>,
    /// Key → (owner, lease end).
    locks: Mutex<HashMap<String, (String, Instant)>>,
}

#[derive(Default)]
struct Counters {
    /// Key → (window end, count).
    windows: HashMap<String, (Instant, u64)>,
    /// The same keys by window end, to find the expired ones without a scan.
    by_end: BTreeMap<(Instant, u64), String>,
    /// Tells apart windows that end at the same instant.
    next_id: u64,
}

impl MemoryState {
    pub fn count(&self, key: &str, window: Duration) -> WindowCount {
        let now = Instant::now();
        let mut counters = self.counters();
        counters.prune(now);
        if let Some((end, count)) = counters.windows.get_mut(key)
            && *end > now
        {
            *count += 1;
            return WindowCount {
                count: *count,
                resets_in: *end - now,
            };
        }
        if counters.windows.len() >= MAX_KEYS {
            counters.evict_first();
        }
        let end = now + window;
        let id = counters.next_id;
        counters.next_id += 1;
        counters.by_end.insert((end, id), key.to_owned());
        counters.windows.insert(key.to_owned(), (end, 1));
        WindowCount {
            count: 1,
            resets_in: window,
        }
    }

    /// Keeps `value` under `key` until `lifetime` passes; unless `key` holds something live and
    /// `replace` is false. Whether it was kept.
    pub fn put(
        &self,
        key: &str,
        value: &str,
        lifetime: Duration,
        replace: bool,
    ) -> Result<bool, Unavailable> {
        let now = Instant::now();
        let mut records = lock(&self.records);
        records.prune(now);
        if !replace && records.live(key, now).is_some() {
            return Ok(false);
        }
        if !records.values.contains_key(key) && records.values.len() >= MAX_RECORDS {
            tracing::error!("the in-memory shared state is full: a record was refused");
            return Err(Unavailable);
        }
        let end = now + lifetime;
        let id = records.next_id;
        records.next_id += 1;
        records.by_end.insert((end, id), key.to_owned());
        records
            .values
            .insert(key.to_owned(), (value.to_owned(), end));
        Ok(true)
    }

    pub fn get(&self, key: &str) -> Option<String> {
        lock(&self.records)
            .live(key, Instant::now())
            .map(str::to_owned)
    }

    /// What `key` held, now forgotten.
    pub fn take(&self, key: &str) -> Option<String> {
        let mut records = lock(&self.records);
        let value = records.live(key, Instant::now()).map(str::to_owned);
        records.values.remove(key);
        value
    }

    /// Takes the lock unless another owner holds it and its lease runs.
    pub fn try_lock(&self, key: &str, lease: &Lease) -> bool {
        let now = Instant::now();
        let mut locks = lock(&self.locks);
        match locks.get(key) {
            Some((owner, end)) if *end > now && *owner != lease.owner => false,
            _ => {
                locks.insert(key.to_owned(), (lease.owner.clone(), now + lease.lasts));
                true
            }
        }
    }

    /// Releases the lock if `lease` still holds it.
    pub fn unlock(&self, key: &str, lease: &Lease) {
        let mut locks = lock(&self.locks);
        if locks
            .get(key)
            .is_some_and(|(owner, _)| *owner == lease.owner)
        {
            locks.remove(key);
        }
    }

    fn counters(&self) -> MutexGuard<'_, Counters> {
        lock(&self.counters)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.counters().windows.len()
    }
}

/// A poisoned lock still guards consistent data: every change to it is a single step.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Default)]
struct Records {
    /// Key → (value, end of life).
    values: HashMap<String, (String, Instant)>,
    /// The same keys by end of life, to find the expired ones without a scan.
    by_end: BTreeMap<(Instant, u64), String>,
    next_id: u64,
}

impl Records {
    fn live(&self, key: &str, now: Instant) -> Option<&str> {
        self.values
            .get(key)
            .filter(|(_, end)| *end > now)
            .map(|(value, _)| value.as_str())
    }

    fn prune(&mut self, now: Instant) {
        while let Some(((end, _), _)) = self.by_end.first_key_value() {
            if *end > now {
                break;
            }
            if let Some(((end, _), key)) = self.by_end.pop_first()
                && self
                    .values
                    .get(&key)
                    .is_some_and(|(_, current)| *current == end)
            {
                self.values.remove(&key);
            }
        }
    }
}

impl Counters {
    fn prune(&mut self, now: Instant) {
        for _ in 0..PRUNED_PER_CALL {
            match self.by_end.first_key_value() {
                Some(((end, _), _)) if *end <= now => self.evict_first(),
                _ => break,
            }
        }
    }

    fn evict_first(&mut self) {
        if let Some(((end, _), key)) = self.by_end.pop_first()
            && self
                .windows
                .get(&key)
                .is_some_and(|(current, _)| *current == end)
        {
            self.windows.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_counts_then_starts_again() {
        let state = MemoryState::default();
        let window = Duration::from_millis(50);
        assert_eq!(state.count("k", window).count, 1);
        assert_eq!(state.count("k", window).count, 2);
        assert_eq!(state.count("other", window).count, 1);
        let third = state.count("k", window);
        assert_eq!(third.count, 3);
        assert!(third.resets_in <= window);
        std::thread::sleep(window);
        assert_eq!(state.count("k", window).count, 1);
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_keys() {
        let state = MemoryState::default();
        let window = Duration::from_secs(60);
        for i in 0..MAX_KEYS + 500 {
            state.count(&format!("flood-{i}"), window);
        }
        assert_eq!(state.len(), MAX_KEYS);
        // The newest keys are kept, the oldest went first.
        assert_eq!(
            state
                .count(&format!("flood-{}", MAX_KEYS + 499), window)
                .count,
            2
        );
        assert_eq!(state.count("flood-0", window).count, 1);
    }

    #[test]
    fn records_are_never_pushed_out_before_their_time() {
        let state = MemoryState::default();
        let hour = Duration::from_secs(3600);
        assert_eq!(state.put("once", "1", hour, false), Ok(true));
        for i in 0..MAX_KEYS + 10 {
            state.count(&format!("flood-{i}"), hour);
        }
        assert_eq!(state.put("once", "1", hour, false), Ok(false));
        for i in 1..MAX_RECORDS {
            assert_eq!(state.put(&format!("r-{i}"), "1", hour, false), Ok(true));
        }
        assert_eq!(
            state.put("one-too-many", "1", hour, false),
            Err(Unavailable)
        );
        assert_eq!(state.get("once").as_deref(), Some("1"));
        assert_eq!(state.take("r-1").as_deref(), Some("1"));
        assert_eq!(state.put("one-too-many", "1", hour, false), Ok(true));
    }

    #[test]
    fn expired_counters_go_a_few_at_a_time() {
        let state = MemoryState::default();
        for i in 0..100 {
            state.count(&format!("short-{i}"), Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(5));
        state.count("next", Duration::from_secs(60));
        assert_eq!(state.len(), 100 - PRUNED_PER_CALL + 1);
        for _ in 0..10 {
            state.count("next", Duration::from_secs(60));
        }
        assert_eq!(state.len(), 1);
    }
}
