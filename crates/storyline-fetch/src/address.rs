//! Which IP addresses the fetcher refuses to reach, and a DNS resolver that enforces it.
//!
//! A feed URL comes from a user or from an OPML file found anywhere; without this guard a
//! hostile feed (or a redirect it answers with) could make the server probe its own network
//! (SSRF). The check runs on IP literals before connecting and again inside the resolver, so a
//! name that resolves differently the second time (DNS rebinding) is still caught.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// True for addresses that are not on the public internet: loopback, private, shared (CGNAT),
/// link-local, unique-local, unspecified, broadcast, multicast, documentation, benchmarking
/// and reserved ranges, including IPv4 addresses embedded in IPv6 ones.
pub(crate) fn is_non_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_non_public_v4(v4),
        IpAddr::V6(v6) => is_non_public_v6(v6),
    }
}

fn is_non_public_v4(address: Ipv4Addr) -> bool {
    let [a, b, c, _] = address.octets();
    address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_unspecified()
        || address.is_broadcast()
        || address.is_documentation()
        || address.is_multicast()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn is_non_public_v6(address: Ipv6Addr) -> bool {
    if let Some(v4) = address.to_ipv4_mapped() {
        return is_non_public_v4(v4);
    }
    let segments = address.segments();
    let embedded_v4 = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that is what the
    // connection really reaches.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_non_public_v4(embedded_v4(segments[6], segments[7]));
    }
    if segments[0] == 0x2002 {
        return is_non_public_v4(embedded_v4(segments[1], segments[2]));
    }
    address.is_loopback()
        || address.is_unspecified()
        || address.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (segments[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (segments[0] & 0xffc0) == 0xfec0 // deprecated site-local fec0::/10
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || segments[..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible, deprecated
}

/// The resolver error that [`crate::Fetcher`] finds in reqwest's error chain and reports as
/// [`crate::FetchError::PrivateAddress`].
#[derive(Debug, thiserror::Error)]
#[error("refusing to connect to private address {0}")]
pub(crate) struct PrivateAddressRefused(pub(crate) IpAddr);

/// The resolver error that [`crate::Fetcher`] reports as [`crate::FetchError::Resolve`].
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve {host}: {reason}")]
pub(crate) struct LookupFailed {
    pub(crate) host: String,
    pub(crate) reason: String,
}

/// Resolves with the system resolver and fails when any address is non-public (unless
/// allowed): refusing the whole name, not just filtering, so a name that mixes public and
/// private answers cannot be used to reach the private one.
#[derive(Debug, Clone)]
pub(crate) struct GuardedResolver {
    pub(crate) allow_private_addresses: bool,
    /// Host names exempt from the rule ([`crate::FetchConfig::allow_private_hosts`]),
    /// lower-cased.
    pub(crate) exempt_hosts: std::sync::Arc<[String]>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let allow_private_addresses = self.allow_private_addresses
            || self
                .exempt_hosts
                .iter()
                .any(|exempt| exempt.eq_ignore_ascii_case(&host));
        Box::pin(async move {
            let lookup = tokio::net::lookup_host((host.as_str(), 0)).await;
            let found: Vec<SocketAddr> = match lookup {
                Ok(addresses) => addresses.collect(),
                Err(error) => {
                    return Err(Box::new(LookupFailed {
                        host: host.clone(),
                        reason: crate::error::describe_io_error(&error),
                    })
                        as Box<dyn std::error::Error + Send + Sync>);
                }
            };
            let refused = found.iter().find(|addr| is_non_public(addr.ip()));
            if let (false, Some(private)) = (allow_private_addresses, refused) {
                return Err(Box::new(PrivateAddressRefused(private.ip()))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            let addresses: Addrs = Box::new(found.into_iter());
            Ok(addresses)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(address: &str, expected_non_public: bool) {
        let parsed: IpAddr = address.parse().expect("test address parses");
        assert_eq!(is_non_public(parsed), expected_non_public, "{address}");
    }

    #[test]
    fn classifies_addresses() {
        check("127.0.0.1", true);
        check("127.8.9.10", true);
        check("10.1.2.3", true);
        check("172.16.0.1", true);
        check("172.31.255.255", true);
        check("172.32.0.1", false);
        check("192.168.1.1", true);
        check("169.254.169.254", true);
        check("0.0.0.0", true);
        check("255.255.255.255", true);
        check("192.0.2.10", true);
        check("198.51.100.7", true);
        check("203.0.113.9", true);
        check("100.64.0.1", true);
        check("100.128.0.1", false);
        check("224.0.0.1", true);
        check("93.184.215.14", false);
        check("8.8.8.8", false);
        check("::1", true);
        check("::", true);
        check("fd00::1", true);
        check("fe80::1", true);
        check("2001:db8::1", true);
        check("::ffff:127.0.0.1", true);
        check("::ffff:10.0.0.1", true);
        check("::ffff:8.8.8.8", false);
        check("64:ff9b::a01:203", true);
        check("2002:c0a8:0101::1", true);
        check("2606:4700:4700::1111", false);
    }
}
