//! jijiao's application layer: every operation of the product with its authorisation, taking the
//! store, the acting account and a clock from one context ([`App`]) and answering with its own
//! error ([`AppError`]). It knows nothing of HTTP: the web crate translates requests into these
//! calls and [`AppError`] into responses, and the command line calls the same operations.

pub mod accounts;
mod acting;
pub mod applications;
pub mod blocking;
pub mod certificates;
pub mod clock;
pub mod credits;
mod error;
pub mod events;
pub mod password_reset;
pub mod passwords;
pub mod projects;
pub mod reference;
pub mod reports;
pub mod rules;
mod sheets;
pub mod sms;

use std::sync::Arc;

use chrono::NaiveDate;
use jijiao_domain::credits::RuleSettings;
use jijiao_storage::Store;

pub use acting::Acting;
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::AppError;

/// What every operation works with: the store, the clock that says what "today" is, the credit
/// rule settings of the deployment (the national rules unless configured, with the provinces' own
/// grassroots caps, rules.md §2.4) and where text messages go (`JIJIAO_SMS_URL`, or the log).
/// Built once at start; cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub rules: Arc<RuleSettings>,
    pub sms: Arc<sms::SmsGateway>,
    /// The curve points of the certificate keys met so far ([`certificates::DecodedKeys`]).
    pub decoded_keys: Arc<certificates::DecodedKeys>,
}

impl App {
    /// The system clock and the national rules.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            clock: Arc::new(SystemClock),
            rules: Arc::new(RuleSettings::default()),
            sms: Arc::new(sms::SmsGateway::Log),
            decoded_keys: Arc::default(),
        }
    }

    pub fn with_sms(self, gateway: sms::SmsGateway) -> Self {
        Self { sms: Arc::new(gateway), ..self }
    }

    pub fn with_clock(self, clock: impl Clock + 'static) -> Self {
        Self { clock: Arc::new(clock), ..self }
    }

    pub fn with_rules(self, rules: RuleSettings) -> Self {
        Self { rules: Arc::new(rules), ..self }
    }

    /// Today in China (Beijing time), by the context's clock.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// The calendar year of [`App::today`].
    pub fn this_year(&self) -> jijiao_domain::Year {
        self.clock.this_year()
    }
}
