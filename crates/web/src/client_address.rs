//! The client's address behind a reverse proxy. Behind nginx every request comes from the proxy's
//! address, so rate limits, login lockouts and the audit log would all see one client; the proxy
//! names the real one in `X-Forwarded-For`. Anyone can send that header, so it is read only when
//! the peer is one of the configured proxies (`JIJIAO_TRUSTED_PROXIES`), and only as far as the
//! chain of trusted proxies reaches.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use crate::AppState;

/// An address or a network (`10.0.0.0/8`, `fd00::/8`; a bare address is its own network).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Option<Network> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a.trim().parse::<IpAddr>().ok()?, Some(p.trim().parse::<u8>().ok()?)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let address = address.to_canonical();
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Network { address, prefix })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let (bits, network, address) = match (self.address, address.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(a)) => (32, u128::from(u32::from(n)), u128::from(u32::from(a))),
            (IpAddr::V6(n), IpAddr::V6(a)) => (128, u128::from(n), u128::from(a)),
            _ => return false,
        };
        let host_bits = bits - u32::from(self.prefix);
        // A shift by the whole width is not defined: /0 matches everything of its family.
        host_bits >= bits || (network >> host_bits) == (address >> host_bits)
    }
}

/// The proxies whose `X-Forwarded-For` is believed; empty (the default): none, the peer is the
/// client.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Arc<[Network]>);

impl TrustedProxies {
    /// A comma- or space-separated list of addresses and networks; the error names the bad entry.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        let mut networks = Vec::new();
        for entry in text.split([',', ' ', '\n', '\t']).filter(|e| !e.trim().is_empty()) {
            networks.push(Network::parse(entry).ok_or_else(|| {
                format!(
                    "JIJIAO_TRUSTED_PROXIES 中的“{}”不是 IP 地址或网段（应形如 10.0.0.1 或 10.0.0.0/8）",
                    entry.trim()
                )
            })?);
        }
        Ok(TrustedProxies(networks.into()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(address))
    }

    /// The client of a request from `peer`: walking `X-Forwarded-For` from its right end (the hop
    /// the nearest proxy added) while the hop is a trusted proxy, the first address that is not.
    /// An entry that does not parse stops the walk at the last trusted hop (that proxy is all that
    /// is known). Several `X-Forwarded-For` headers read as one list, in order.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            let Some(address) = parse_hop(hop) else { return client };
            client = address;
            if !self.trusts(address) {
                return address;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, or an address with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip())).ok().map(|a| a.to_canonical())
}

/// The client's address as resolved for this request (absent when no proxy is trusted: then the
/// peer's address is the client's, see [`crate::auth::client_ip`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// Resolves the client's address once, before authentication and the rate limits read it.
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let proxies = &state.settings.trusted_proxies;
    if !proxies.is_empty()
        && let Some(peer) = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
    {
        let client = proxies.client(peer, request.headers());
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append("x-forwarded-for", v.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_match_their_addresses_only() {
        let n = Network::parse("10.0.0.0/8").unwrap();
        assert!(n.contains(ip("10.1.2.3")) && !n.contains(ip("11.0.0.1")));
        assert!(n.contains(ip("::ffff:10.9.9.9")), "an IPv4-mapped address is the IPv4 address");
        assert!(Network::parse("127.0.0.1").unwrap().contains(ip("127.0.0.1")));
        assert!(!Network::parse("127.0.0.1").unwrap().contains(ip("127.0.0.2")));
        assert!(Network::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(!Network::parse("0.0.0.0/0").unwrap().contains(ip("::1")));
        assert!(Network::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
        for bad in ["10.0.0.0/33", "proxy", "10.0.0/8", "::/129", ""] {
            assert!(Network::parse(bad).is_none(), "{bad}");
        }
        let err = TrustedProxies::parse("127.0.0.1, nginx").unwrap_err();
        assert!(err.contains("“nginx”") && err.contains("JIJIAO_TRUSTED_PROXIES"), "{err}");
        assert_eq!(TrustedProxies::parse(" 10.0.0.1 ,10.0.0.0/8").unwrap().0.len(), 2);
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_peer() {
        let none = TrustedProxies::default();
        let proxies = TrustedProxies::parse("10.0.0.1, 10.0.1.0/24").unwrap();
        let forwarded = headers(&["203.0.113.7"]);
        // No proxy configured, or a peer that is none of them: the header is anyone's claim.
        assert_eq!(none.client(ip("10.0.0.1"), &forwarded), ip("10.0.0.1"));
        assert_eq!(proxies.client(ip("198.51.100.1"), &forwarded), ip("198.51.100.1"));
        // From the proxy: the address it names.
        assert_eq!(proxies.client(ip("10.0.0.1"), &forwarded), ip("203.0.113.7"));
        // A client's own forged entries lie left of what the proxy added: the walk stops at the
        // first untrusted hop from the right.
        let forged = headers(&["1.1.1.1, 203.0.113.7"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &forged), ip("203.0.113.7"));
        // Two proxies in a row (an edge proxy, then the one beside the server), also as two headers.
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers(&["203.0.113.7, 10.0.1.5"])), ip("203.0.113.7"));
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers(&["203.0.113.7", "10.0.1.5"])), ip("203.0.113.7"));
        // Ports, IPv6 and garbage.
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers(&["203.0.113.7:4431"])), ip("203.0.113.7"));
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers(&["[2001:db8::1]:443"])), ip("2001:db8::1"));
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers(&["unknown"])), ip("10.0.0.1"));
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers(&["203.0.113.7, junk, 10.0.1.5"])), ip("10.0.1.5"));
        // Only proxies: the farthest one is the client as far as anyone knows.
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers(&["10.0.1.9"])), ip("10.0.1.9"));
        assert_eq!(proxies.client(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
    }
}
