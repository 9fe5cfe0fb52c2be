//! The address a request came from, for per-IP limits.

use std::net::{IpAddr, SocketAddr};

use axum::{extract::ConnectInfo, http::request::Parts};

/// The peer address, or, behind a trusted load balancer, the last `X-Forwarded-For` entry (the
/// one the load balancer appended; earlier entries are whatever the client claimed).
pub fn client_ip(parts: &Parts, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for
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

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

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
        assert_eq!(client_ip(&parts, false), Some("10.0.0.2".parse().unwrap()));
    }

    #[test]
    fn behind_a_proxy_the_last_hop_counts_not_what_the_client_claims() {
        let parts = request(
            &["6.6.6.6, 203.0.113.9", "198.51.100.1"],
            Some("10.0.0.2:5555"),
        );
        assert_eq!(
            client_ip(&parts, true),
            Some("198.51.100.1".parse().unwrap())
        );
        let garbage = request(&["not an ip"], Some("10.0.0.2:5555"));
        assert_eq!(client_ip(&garbage, true), Some("10.0.0.2".parse().unwrap()));
    }
}
