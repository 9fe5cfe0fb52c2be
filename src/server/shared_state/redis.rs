//! The shared state in Redis (`REDIS_URL`; Amazon ElastiCache and MemoryDB speak the same
//! protocol), for several instances. Every operation is one atomic command or script, every key
//! has a lifetime and the deployment's prefix, and a lock is released only by its owner.

use std::time::Duration;

use redis::{
    AsyncCommands, Client, Script,
    aio::{ConnectionManager, ConnectionManagerConfig},
};
use tracing::warn;

use super::{Lease, Unavailable, WindowCount};

/// One command may take this long before the operation is failed: a change waits for Redis at
/// most this, and is refused rather than made without its guards.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The counter and its window in one step: the first event of a window sets its end.
const COUNT: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}
";

/// Deletes the lock only while it is still this owner's.
const UNLOCK: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

pub struct RedisState {
    connection: ConnectionManager,
    prefix: String,
    count: Script,
    unlock: Script,
}

impl RedisState {
    /// Connects now, so a wrong URL or an unreachable server stops the start-up with a reason;
    /// later outages are reconnected from by themselves.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, String> {
        let client = Client::open(url).map_err(|error| format!("REDIS_URL: {error}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|error| format!("Redis could not be reached at REDIS_URL: {error}"))?;
        Ok(Self {
            connection,
            prefix: prefix.to_owned(),
            count: Script::new(COUNT),
            unlock: Script::new(UNLOCK),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    pub async fn count(&self, key: &str, window: Duration) -> Result<WindowCount, Unavailable> {
        let (count, left_ms): (u64, u64) = self
            .count
            .key(self.key(&format!("count:{key}")))
            .arg(millis(window))
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(failed)?;
        Ok(WindowCount {
            count,
            resets_in: Duration::from_millis(left_ms),
        })
    }

    pub async fn put(
        &self,
        key: &str,
        value: &str,
        lifetime: Duration,
        replace: bool,
    ) -> Result<bool, Unavailable> {
        let key = self.key(&format!("record:{key}"));
        if !replace {
            return set_if_absent(&mut self.connection.clone(), &key, value, lifetime).await;
        }
        let options =
            redis::SetOptions::default().with_expiration(redis::SetExpiry::PX(millis(lifetime)));
        let _: Option<String> = self
            .connection
            .clone()
            .set_options(key, value, options)
            .await
            .map_err(failed)?;
        Ok(true)
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, Unavailable> {
        self.connection
            .clone()
            .get(self.key(&format!("record:{key}")))
            .await
            .map_err(failed)
    }

    pub async fn take(&self, key: &str) -> Result<Option<String>, Unavailable> {
        self.connection
            .clone()
            .get_del(self.key(&format!("record:{key}")))
            .await
            .map_err(failed)
    }

    pub async fn try_lock(&self, key: &str, lease: &Lease) -> Result<bool, Unavailable> {
        set_if_absent(
            &mut self.connection.clone(),
            &self.key(&format!("lock:{key}")),
            &lease.owner,
            lease.lasts,
        )
        .await
    }

    pub async fn unlock(&self, key: &str, lease: &Lease) -> Result<(), Unavailable> {
        let _: i64 = self
            .unlock
            .key(self.key(&format!("lock:{key}")))
            .arg(&lease.owner)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(failed)?;
        Ok(())
    }

    pub async fn ping(&self) -> Result<(), Unavailable> {
        redis::cmd("PING")
            .query_async::<String>(&mut self.connection.clone())
            .await
            .map(drop)
            .map_err(failed)
    }
}

/// `SET key value NX PX lifetime`: whether it was set.
async fn set_if_absent(
    connection: &mut ConnectionManager,
    key: &str,
    value: &str,
    lifetime: Duration,
) -> Result<bool, Unavailable> {
    let options = redis::SetOptions::default()
        .conditional_set(redis::ExistenceCheck::NX)
        .with_expiration(redis::SetExpiry::PX(millis(lifetime)));
    let set: Option<String> = connection
        .set_options(key, value, options)
        .await
        .map_err(failed)?;
    Ok(set.is_some())
}

/// Redis takes whole milliseconds, at least one.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

fn failed(error: redis::RedisError) -> Unavailable {
    warn!(%error, "Redis did not answer");
    Unavailable
}
