//! State the server must keep beyond one request, shared by every instance: counters with a
//! window (rate limits), locks with an owner and a lease (one removal per person at a time, so
//! the last-method rule holds), and records with a lifetime ("seen once" marks, so tokens are
//! never accepted twice; notices sent; step-ups ended). One small interface, two engines: this
//! process's memory (the default, for one instance) and Redis (`REDIS_URL`, for several).
//!
//! When the engine cannot be reached, every operation answers [`Unavailable`], and what needed
//! it is refused: a change is never made without its guards.

mod memory;
mod redis;

use std::{future::Future, time::Duration};

use crate::model::AppError;
pub use memory::MemoryState;
pub use redis::RedisState;

/// Where the shared state lives.
pub enum SharedState {
    Memory(MemoryState),
    Redis(RedisState),
}

/// The engine did not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the shared state did not answer")]
pub struct Unavailable;

impl From<Unavailable> for AppError {
    fn from(_: Unavailable) -> Self {
        AppError::Unavailable
    }
}

/// One event counted in a fixed window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowCount {
    /// Events in the current window, this one included.
    pub count: u64,
    /// When the window ends and the count starts again.
    pub resets_in: Duration,
}

/// A lock held: it is released by its owner, or frees itself after `lasts` if the owner is gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    owner: String,
    lasts: Duration,
}

/// How often a waiting lock asks again.
const LOCK_POLL: Duration = Duration::from_millis(20);

impl SharedState {
    /// In this process's memory, or in the Redis at `redis_url`, reached now.
    pub async fn connect(redis_url: Option<&str>, prefix: &str) -> Result<Self, String> {
        match redis_url {
            Some(url) => RedisState::connect(url, prefix).await.map(Self::Redis),
            None => Ok(Self::default()),
        }
    }

    /// Counts one event under `key` in the current `window`-long window.
    pub async fn count(&self, key: &str, window: Duration) -> Result<WindowCount, Unavailable> {
        match self {
            Self::Memory(memory) => Ok(memory.count(key, window)),
            Self::Redis(redis) => redis.count(key, window).await,
        }
    }

    /// Records `key` for `lifetime`; true only the first time within it.
    pub async fn first_sighting(&self, key: &str, lifetime: Duration) -> Result<bool, Unavailable> {
        self.put_new(&format!("seen:{key}"), "1", lifetime).await
    }

    /// Keeps `value` under `key` for `lifetime`, unless `key` already holds something; whether
    /// it was kept.
    pub async fn put_new(
        &self,
        key: &str,
        value: &str,
        lifetime: Duration,
    ) -> Result<bool, Unavailable> {
        match self {
            Self::Memory(memory) => memory.put(key, value, lifetime, false),
            Self::Redis(redis) => redis.put(key, value, lifetime, false).await,
        }
    }

    /// Keeps `value` under `key` for `lifetime`, replacing what it held.
    pub async fn put(&self, key: &str, value: &str, lifetime: Duration) -> Result<(), Unavailable> {
        match self {
            Self::Memory(memory) => memory.put(key, value, lifetime, true).map(drop),
            Self::Redis(redis) => redis.put(key, value, lifetime, true).await.map(drop),
        }
    }

    /// What `key` holds, if anything lives there.
    pub async fn get(&self, key: &str) -> Result<Option<String>, Unavailable> {
        match self {
            Self::Memory(memory) => Ok(memory.get(key)),
            Self::Redis(redis) => redis.get(key).await,
        }
    }

    /// What `key` held; it holds nothing afterwards.
    pub async fn take(&self, key: &str) -> Result<Option<String>, Unavailable> {
        match self {
            Self::Memory(memory) => Ok(memory.take(key)),
            Self::Redis(redis) => redis.take(key).await,
        }
    }

    /// Runs `work` holding the lock on `key`, waiting for it at most `wait`; `None` when it
    /// stayed taken. The lock frees itself after `lasts`, should this instance die holding it.
    pub async fn locked<T>(
        &self,
        key: &str,
        lasts: Duration,
        wait: Duration,
        work: impl Future<Output = T>,
    ) -> Result<Option<T>, Unavailable> {
        let lease = Lease {
            owner: uuid::Uuid::new_v4().to_string(),
            lasts,
        };
        let deadline = tokio::time::Instant::now() + wait;
        while !self.try_lock(key, &lease).await? {
            if tokio::time::Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(LOCK_POLL).await;
        }
        let done = work.await;
        // A failed release frees itself when the lease ends.
        let _ = self.unlock(key, &lease).await;
        Ok(Some(done))
    }

    async fn try_lock(&self, key: &str, lease: &Lease) -> Result<bool, Unavailable> {
        match self {
            Self::Memory(memory) => Ok(memory.try_lock(key, lease)),
            Self::Redis(redis) => redis.try_lock(key, lease).await,
        }
    }

    async fn unlock(&self, key: &str, lease: &Lease) -> Result<(), Unavailable> {
        match self {
            Self::Memory(memory) => {
                memory.unlock(key, lease);
                Ok(())
            }
            Self::Redis(redis) => redis.unlock(key, lease).await,
        }
    }

    /// For readiness checks: whether the engine answers.
    pub async fn ping(&self) -> Result<(), Unavailable> {
        match self {
            Self::Memory(_) => Ok(()),
            Self::Redis(redis) => redis.ping().await,
        }
    }
}

impl Default for SharedState {
    fn default() -> Self {
        Self::Memory(MemoryState::default())
    }
}
