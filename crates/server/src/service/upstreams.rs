//! Which addresses a project's upstream may lead to. Whoever may change a
//! project's `upstream_url` must not be able to point the gateway at the
//! machine's own services or the cloud's metadata endpoint and read them
//! through it (server-side request forgery).
//!
//! Link-local addresses (the metadata service at 169.254.169.254 among
//! them), unspecified, multicast and broadcast addresses are never allowed.
//! Loopback and private ranges are refused unless the operator allows them
//! (`--allow-private-upstreams`): an upstream on the same host or network is
//! common, but it is the operator's decision, not a key holder's. The rule
//! is checked when the URL is set, on every address its host resolves to,
//! and again on the address each new upstream connection reaches, so a name
//! that resolves elsewhere later (DNS rebinding) is still refused.

use keyscope_model::FieldError;
use std::net::{IpAddr, Ipv6Addr};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpstreamPolicy {
    /// Allow loopback and private (RFC 1918, CGNAT, unique-local) addresses.
    pub allow_private: bool,
}

impl UpstreamPolicy {
    /// Why `ip` may not be an upstream, if it may not.
    pub fn refuses(self, ip: IpAddr) -> Option<&'static str> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        if let Some(why) = never_allowed(ip) {
            return Some(why);
        }
        match private(ip) {
            Some(why) if !self.allow_private => Some(why),
            _ => None,
        }
    }

    /// Checks a URL's host and port: every address it resolves to.
    pub async fn check(self, host: &str, port: u16) -> Result<(), FieldError> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let refused = |why: &str| {
            FieldError::new(
                "upstream_url",
                format!("upstream_url may not lead to {why}"),
            )
        };
        let addresses = tokio::net::lookup_host((host, port)).await.map_err(|_| {
            FieldError::new(
                "upstream_url",
                format!("upstream_url's host `{host}` does not resolve"),
            )
        })?;
        for address in addresses {
            if let Some(why) = self.refuses(address.ip()) {
                let hint = if private(address.ip()).is_some() {
                    " (the operator can allow it with --allow-private-upstreams)"
                } else {
                    ""
                };
                return Err(refused(&format!("{why} ({}){hint}", address.ip())));
            }
        }
        Ok(())
    }
}

fn never_allowed(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            if v4.is_link_local() {
                Some("a link-local address, such as a cloud metadata service")
            } else if v4.is_unspecified() || v4.octets()[0] == 0 {
                Some("an unspecified address")
            } else if v4.is_multicast() || v4.is_broadcast() {
                Some("a multicast or broadcast address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            // fe80::/10, and AWS's IPv6 metadata address fd00:ec2::254.
            let link_local = (v6.segments()[0] & 0xffc0) == 0xfe80;
            if link_local || v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
                Some("a link-local address, such as a cloud metadata service")
            } else if v6.is_unspecified() {
                Some("an unspecified address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else {
                None
            }
        }
    }
}

fn private(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let cgnat = v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64;
            if v4.is_loopback() {
                Some("a loopback address")
            } else if v4.is_private() || cgnat {
                Some("a private address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            if v6.is_loopback() {
                Some("a loopback address")
            } else if (v6.segments()[0] & 0xfe00) == 0xfc00 {
                Some("a private address")
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn metadata_and_link_local_are_never_allowed() {
        let lenient = UpstreamPolicy {
            allow_private: true,
        };
        for address in [
            "169.254.169.254",
            "169.254.0.1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:169.254.169.254",
            "0.0.0.0",
            "::",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            assert!(lenient.refuses(ip(address)).is_some(), "{address}");
        }
    }

    #[test]
    fn loopback_and_private_need_the_operators_leave() {
        let strict = UpstreamPolicy::default();
        let lenient = UpstreamPolicy {
            allow_private: true,
        };
        for address in [
            "127.0.0.1",
            "::1",
            "10.1.2.3",
            "172.16.0.9",
            "192.168.1.1",
            "100.64.0.1",
            "fd12::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(strict.refuses(ip(address)).is_some(), "{address}");
            assert_eq!(lenient.refuses(ip(address)), None, "{address}");
        }
        for public in ["93.184.216.34", "2001:db8::1", "172.32.0.1", "100.128.0.1"] {
            assert_eq!(strict.refuses(ip(public)), None, "{public}");
        }
    }

    #[test]
    fn addresses_in_urls_are_resolved_and_checked() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let strict = UpstreamPolicy::default();
            for host in ["127.0.0.1", "[::1]", "localhost", "169.254.169.254"] {
                let error = strict.check(host, 80).await.expect_err(host);
                assert_eq!(error.field, "upstream_url");
            }
        });
    }
}
