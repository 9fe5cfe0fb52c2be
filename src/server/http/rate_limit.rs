//! Per-user and per-IP rate limits on the operations worth abusing: sending codes, removing
//! methods, opening the pre-built UI, and finishing a sign-in.

use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    state::keyed::DefaultKeyedStateStore,
};

use crate::model::AppError;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// Forget idle keys once this many are tracked, so memory stays bounded under a flood.
const MAX_TRACKED_KEYS: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    /// `start_enrollment`: each one can send an email.
    Enrollment,
    Removal,
    PrebuiltUi,
    /// The OAuth callback: each one costs a token exchange with Cognito.
    SignIn,
}

impl Bucket {
    const ALL: [Bucket; 4] = [
        Self::Enrollment,
        Self::Removal,
        Self::PrebuiltUi,
        Self::SignIn,
    ];

    /// What one signed-in person may do: a burst, then one more every `period`.
    fn per_user(self) -> Option<(u32, Duration)> {
        match self {
            Self::Enrollment => Some((5, Duration::from_secs(60))),
            Self::Removal => Some((10, Duration::from_secs(6))),
            Self::PrebuiltUi => Some((5, Duration::from_secs(60))),
            Self::SignIn => None,
        }
    }
}

struct Limits {
    per_user: Option<Keyed<String>>,
    per_ip: Keyed<IpAddr>,
}

pub struct RateLimits {
    buckets: Vec<(Bucket, Limits)>,
    clock: DefaultClock,
}

impl RateLimits {
    /// `per_ip_per_minute` applies to each bucket separately, as a burst and a steady rate.
    pub fn new(per_ip_per_minute: NonZeroU32) -> Self {
        let buckets = Bucket::ALL
            .into_iter()
            .map(|bucket| {
                let per_user = bucket.per_user().and_then(|(burst, period)| {
                    let quota = Quota::with_period(period)?.allow_burst(NonZeroU32::new(burst)?);
                    Some(RateLimiter::keyed(quota))
                });
                let per_ip = RateLimiter::keyed(
                    Quota::per_minute(per_ip_per_minute).allow_burst(per_ip_per_minute),
                );
                (bucket, Limits { per_user, per_ip })
            })
            .collect();
        Self {
            buckets,
            clock: DefaultClock::default(),
        }
    }

    /// Counts one request against the user's and the address's allowance, or says how long to
    /// wait. A request refused by the user's limit does not use up the address's.
    pub fn check(
        &self,
        bucket: Bucket,
        user: Option<&str>,
        ip: Option<IpAddr>,
    ) -> Result<(), AppError> {
        let Some((_, limits)) = self
            .buckets
            .iter()
            .find(|(candidate, _)| *candidate == bucket)
        else {
            return Ok(());
        };
        if let (Some(limiter), Some(user)) = (&limits.per_user, user) {
            forget_idle(limiter);
            limiter
                .check_key(&user.to_owned())
                .map_err(|not_until| self.refusal(not_until.wait_time_from(self.clock.now())))?;
        }
        let Some(ip) = ip else {
            return Ok(());
        };
        forget_idle(&limits.per_ip);
        limits
            .per_ip
            .check_key(&ip)
            .map_err(|not_until| self.refusal(not_until.wait_time_from(self.clock.now())))
    }

    fn refusal(&self, wait: Duration) -> AppError {
        AppError::RateLimited {
            retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        }
    }
}

fn forget_idle<K: Clone + std::hash::Hash + Eq>(limiter: &Keyed<K>) {
    if limiter.len() > MAX_TRACKED_KEYS {
        limiter.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    const HOME: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));
    const OFFICE: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 9));

    fn limits(per_ip: u32) -> RateLimits {
        RateLimits::new(NonZeroU32::new(per_ip).unwrap())
    }

    #[test]
    fn a_user_gets_a_burst_then_a_wait() {
        let limits = limits(1000);
        for _ in 0..5 {
            limits
                .check(Bucket::Enrollment, Some("sub-1"), Some(HOME))
                .unwrap();
        }
        let refused = limits
            .check(Bucket::Enrollment, Some("sub-1"), Some(HOME))
            .unwrap_err();
        let AppError::RateLimited { retry_after_secs } = refused else {
            panic!("expected RateLimited, got {refused:?}");
        };
        assert!((1..=60).contains(&retry_after_secs), "{retry_after_secs}");
        // Another person, and another operation, are unaffected.
        limits
            .check(Bucket::Enrollment, Some("sub-2"), Some(HOME))
            .unwrap();
        limits
            .check(Bucket::Removal, Some("sub-1"), Some(HOME))
            .unwrap();
    }

    #[test]
    fn an_address_is_limited_whoever_signs_in() {
        let limits = limits(3);
        for _ in 0..3 {
            limits.check(Bucket::SignIn, None, Some(HOME)).unwrap();
        }
        assert!(matches!(
            limits.check(Bucket::SignIn, None, Some(HOME)),
            Err(AppError::RateLimited { .. })
        ));
        limits.check(Bucket::SignIn, None, Some(OFFICE)).unwrap();
    }

    #[test]
    fn users_behind_one_address_share_its_allowance() {
        let limits = limits(2);
        limits
            .check(Bucket::Removal, Some("a"), Some(HOME))
            .unwrap();
        limits
            .check(Bucket::Removal, Some("b"), Some(HOME))
            .unwrap();
        assert!(
            limits
                .check(Bucket::Removal, Some("c"), Some(HOME))
                .is_err()
        );
    }
}
