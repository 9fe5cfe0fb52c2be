//! Per-user and per-address rate limits on the operations worth abusing: sending codes,
//! removing methods, opening the pre-built UI, and finishing a sign-in. Each is a count in a
//! fixed window, kept in the shared state, so several instances share one allowance. IPv6
//! addresses count by their /64, which one client usually holds whole.

use std::{
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
    time::Duration,
};

use crate::{model::AppError, server::shared_state::SharedState};

/// Every limit counts over a minute.
const WINDOW: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    /// `start_enrollment`: each one can send an email.
    Enrollment,
    Removal,
    PrebuiltUi,
    /// Starting and completing a step-up: each start can send a code.
    StepUp,
    /// The OAuth callback: each one costs a token exchange with Cognito.
    SignIn,
    /// Signing sessions out: each sends a notice, and may call Cognito's admin API.
    SignOut,
}

impl Bucket {
    fn name(self) -> &'static str {
        match self {
            Self::Enrollment => "enrollment",
            Self::Removal => "removal",
            Self::PrebuiltUi => "prebuilt-ui",
            Self::StepUp => "step-up",
            Self::SignIn => "sign-in",
            Self::SignOut => "sign-out",
        }
    }

    /// What one signed-in person may do in a minute.
    fn per_user(self) -> Option<u64> {
        match self {
            Self::Enrollment => Some(5),
            Self::Removal => Some(10),
            Self::PrebuiltUi => Some(5),
            Self::StepUp => Some(20),
            Self::SignIn => None,
            Self::SignOut => Some(10),
        }
    }
}

pub struct RateLimits {
    per_ip_per_minute: u64,
}

impl RateLimits {
    /// `per_ip_per_minute` applies to each bucket separately.
    pub fn new(per_ip_per_minute: NonZeroU32) -> Self {
        Self {
            per_ip_per_minute: u64::from(per_ip_per_minute.get()),
        }
    }

    /// Counts one request against the user's and the address's allowance, or says how long to
    /// wait. A request refused by the user's limit does not use up the address's.
    pub async fn check(
        &self,
        shared: &SharedState,
        bucket: Bucket,
        user: Option<&str>,
        ip: Option<IpAddr>,
    ) -> Result<(), AppError> {
        if let (Some(max), Some(user)) = (bucket.per_user(), user) {
            let key = format!("limit:{}:user:{user}", bucket.name());
            within(shared, &key, max).await?;
        }
        match ip {
            Some(ip) => {
                let key = format!("limit:{}:ip:{}", bucket.name(), address_key(ip));
                within(shared, &key, self.per_ip_per_minute).await
            }
            None => Ok(()),
        }
    }
}

async fn within(shared: &SharedState, key: &str, max: u64) -> Result<(), AppError> {
    let counted = shared.count(key, WINDOW).await?;
    if counted.count <= max {
        return Ok(());
    }
    let wait = counted.resets_in;
    Err(AppError::RateLimited {
        retry_after_secs: (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1),
    })
}

/// What counts as one client: an IPv4 address, or an IPv6 /64.
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{}/64", Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    const HOME: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));
    const OFFICE: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 9));

    fn limits(per_ip: u32) -> (RateLimits, SharedState) {
        (
            RateLimits::new(NonZeroU32::new(per_ip).unwrap()),
            SharedState::default(),
        )
    }

    #[tokio::test]
    async fn a_user_gets_a_burst_then_a_wait() {
        let (limits, shared) = limits(1000);
        for _ in 0..5 {
            limits
                .check(&shared, Bucket::Enrollment, Some("sub-1"), Some(HOME))
                .await
                .unwrap();
        }
        let refused = limits
            .check(&shared, Bucket::Enrollment, Some("sub-1"), Some(HOME))
            .await
            .unwrap_err();
        let AppError::RateLimited { retry_after_secs } = refused else {
            panic!("expected RateLimited, got {refused:?}");
        };
        assert!((1..=60).contains(&retry_after_secs), "{retry_after_secs}");
        // Another person, and another operation, are unaffected.
        limits
            .check(&shared, Bucket::Enrollment, Some("sub-2"), Some(HOME))
            .await
            .unwrap();
        limits
            .check(&shared, Bucket::Removal, Some("sub-1"), Some(HOME))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn an_address_is_limited_whoever_signs_in() {
        let (limits, shared) = limits(3);
        for _ in 0..3 {
            limits
                .check(&shared, Bucket::SignIn, None, Some(HOME))
                .await
                .unwrap();
        }
        assert!(matches!(
            limits
                .check(&shared, Bucket::SignIn, None, Some(HOME))
                .await,
            Err(AppError::RateLimited { .. })
        ));
        limits
            .check(&shared, Bucket::SignIn, None, Some(OFFICE))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn users_behind_one_address_share_its_allowance() {
        let (limits, shared) = limits(2);
        for user in ["a", "b"] {
            limits
                .check(&shared, Bucket::Removal, Some(user), Some(HOME))
                .await
                .unwrap();
        }
        assert!(
            limits
                .check(&shared, Bucket::Removal, Some("c"), Some(HOME))
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn an_ipv6_network_counts_as_one_client() {
        let (limits, shared) = limits(1);
        let address = |text: &str| Some(text.parse::<IpAddr>().unwrap());
        limits
            .check(&shared, Bucket::SignIn, None, address("2001:db8:1:2::1"))
            .await
            .unwrap();
        for same_64 in ["2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff"] {
            assert!(
                limits
                    .check(&shared, Bucket::SignIn, None, address(same_64))
                    .await
                    .is_err(),
                "{same_64}"
            );
        }
        limits
            .check(&shared, Bucket::SignIn, None, address("2001:db8:1:3::1"))
            .await
            .unwrap();
        assert_eq!(
            address_key("::ffff:203.0.113.7".parse().unwrap()),
            "203.0.113.7"
        );
    }
}
