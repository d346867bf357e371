//! The web layer's settings, from the binary's configuration.

use crate::client_address::TrustedProxies;
use crate::security::Limits;

#[derive(Clone, Debug)]
pub struct WebSettings {
    /// A session ends after this long without a request.
    pub session_idle_ms: i64,
    /// And at the latest this long after login.
    pub session_lifetime_ms: i64,
    /// Cookies carry `Secure` (off only for plain-HTTP deployments on a private network).
    pub secure_cookies: bool,
    pub limits: Limits,
    /// The reverse proxies whose `X-Forwarded-For` names the client (`JIJIAO_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            session_idle_ms: 30 * 60 * 1000,
            session_lifetime_ms: 12 * 60 * 60 * 1000,
            secure_cookies: true,
            limits: Limits::default(),
            trusted_proxies: TrustedProxies::default(),
        }
    }
}
