//! The address a request came from, for per-IP limits and the activity log.

use std::net::{IpAddr, SocketAddr};

use aws_lc_rs::constant_time;
use axum::{extract::ConnectInfo, http::request::Parts};

use crate::config::LimitSettings;

/// The header CloudFront is told to add to every request it forwards (an origin custom header),
/// with `CLOUDFRONT_ORIGIN_SECRET` as its value.
pub const CLOUDFRONT_SECRET_HEADER: &str = "x-origin-verify";

/// The peer address; behind CloudFront, when the request carries CloudFront's secret, the
/// viewer's address it reports; behind a trusted load balancer, the last `X-Forwarded-For`
/// entry (the one the load balancer appended; earlier entries are whatever the client claimed).
pub fn client_ip(parts: &Parts, settings: &LimitSettings) -> Option<IpAddr> {
    if let Some(secret) = &settings.cloudfront_origin_secret
        && parts
            .headers
            .get(CLOUDFRONT_SECRET_HEADER)
            .is_some_and(|value| {
                constant_time::verify_slices_are_equal(value.as_bytes(), secret.expose().as_bytes())
                    .is_ok()
            })
        && let Some(ip) = parts
            .headers
            .get("cloudfront-viewer-address")
            .and_then(|value| value.to_str().ok())
            .and_then(viewer_ip)
    {
        return Some(ip);
    }
    if settings.trust_forwarded_for
        && let Some(ip) = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.rsplit(',').next())
            .and_then(|last| last.trim().parse().ok())
    {
        return Some(ip);
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// `198.51.100.10:46532` or `2001:db8::1:46532`: the address, then the viewer's port.
fn viewer_ip(value: &str) -> Option<IpAddr> {
    let (ip, port) = value.trim().rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use axum::http::Request;

    use super::*;
    use crate::secret::Secret;

    const SECRET: &str = "cloudfront-origin-secret-0123456789";

    fn settings(trust_forwarded_for: bool, cloudfront: bool) -> LimitSettings {
        LimitSettings {
            per_ip_per_minute: NonZeroU32::new(60).unwrap(),
            sms_allowed_countries: Vec::new(),
            sms_per_country_per_hour: 200,
            trust_forwarded_for,
            cloudfront_origin_secret: cloudfront.then(|| Secret::new(SECRET.to_owned())),
        }
    }

    fn request(forwarded: &[&str], peer: Option<&str>) -> Parts {
        let mut builder = Request::builder();
        for value in forwarded {
            builder = builder.header("x-forwarded-for", *value);
        }
        let (mut parts, ()) = builder.body(()).unwrap().into_parts();
        if let Some(peer) = peer {
            parts
                .extensions
                .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        }
        parts
    }

    #[test]
    fn the_peer_address_is_used_by_default() {
        let parts = request(&["1.2.3.4"], Some("10.0.0.2:5555"));
        assert_eq!(
            client_ip(&parts, &settings(false, false)),
            Some("10.0.0.2".parse().unwrap())
        );
    }

    #[test]
    fn behind_a_proxy_the_last_hop_counts_not_what_the_client_claims() {
        let parts = request(
            &["6.6.6.6, 203.0.113.9", "198.51.100.1"],
            Some("10.0.0.2:5555"),
        );
        assert_eq!(
            client_ip(&parts, &settings(true, false)),
            Some("198.51.100.1".parse().unwrap())
        );
        let garbage = request(&["not an ip"], Some("10.0.0.2:5555"));
        assert_eq!(
            client_ip(&garbage, &settings(true, false)),
            Some("10.0.0.2".parse().unwrap())
        );
    }

    #[test]
    fn behind_cloudfront_the_viewer_counts_only_with_cloudfronts_secret() {
        let through = |secret: Option<&str>, viewer: &str| {
            let mut parts = request(&[], Some("130.176.0.1:443"));
            parts
                .headers
                .insert("cloudfront-viewer-address", viewer.parse().unwrap());
            if let Some(secret) = secret {
                parts
                    .headers
                    .insert(CLOUDFRONT_SECRET_HEADER, secret.parse().unwrap());
            }
            client_ip(&parts, &settings(false, true))
        };
        assert_eq!(
            through(Some(SECRET), "198.51.100.10:46532"),
            Some("198.51.100.10".parse().unwrap())
        );
        assert_eq!(
            through(Some(SECRET), "2001:db8::1:46532"),
            Some("2001:db8::1".parse().unwrap())
        );
        // Around CloudFront, or with a guessed secret: the peer, CloudFront's edge or whoever.
        assert_eq!(
            through(None, "198.51.100.10:46532"),
            Some("130.176.0.1".parse().unwrap())
        );
        assert_eq!(
            through(Some("guess"), "198.51.100.10:46532"),
            Some("130.176.0.1".parse().unwrap())
        );
        assert_eq!(
            through(Some(SECRET), "garbage"),
            Some("130.176.0.1".parse().unwrap())
        );
    }
}
