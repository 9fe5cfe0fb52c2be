//! State the server must keep beyond one request: counters for the rate limits, and "seen
//! once" records for tokens that must never be accepted twice. One small interface, so several
//! instances can share it through a distributed engine; in-process memory is the default.

mod memory;

use std::time::Duration;

pub use memory::MemoryState;

/// Where the shared state lives.
pub enum SharedState {
    Memory(MemoryState),
}

/// One event counted in a fixed window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowCount {
    /// Events in the current window, this one included.
    pub count: u64,
    /// When the window ends and the count starts again.
    pub resets_in: Duration,
}

impl SharedState {
    /// Counts one event under `key` in the current `window`-long window.
    pub async fn count(&self, key: &str, window: Duration) -> WindowCount {
        match self {
            Self::Memory(memory) => memory.count(key, window),
        }
    }

    /// Records `key` for `lifetime`; true only the first time within it.
    pub async fn first_sighting(&self, key: &str, lifetime: Duration) -> bool {
        match self {
            Self::Memory(memory) => memory.count(&format!("seen:{key}"), lifetime).count == 1,
        }
    }
}

impl Default for SharedState {
    fn default() -> Self {
        Self::Memory(MemoryState::default())
    }
}
