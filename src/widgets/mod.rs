//! Components that can also live on another site's page (the embeddable
//! widgets): each takes everything it needs as props (ids, range, an API
//! client), never from the router or a global signal, and carries its own
//! styles under the `ks-` prefix.

mod charts;
mod quota_cards;
mod recent_requests;
mod request_log;
mod request_log_columns;
mod request_log_details;
mod request_log_filters;
mod request_log_live;
mod usage_dashboard;

pub use charts::{DailyBarChart, DonutChart, Slice, Tone};
pub use quota_cards::QuotaCards;
pub use recent_requests::RecentRequests;
pub use request_log::RequestLog;
pub use usage_dashboard::{UsageDashboard, UsageRange};
