//! Components that can also live on another site's page (the embeddable
//! widgets): each takes everything it needs as props (ids, range, an API
//! client), never from the router or a global signal, and carries its own
//! styles under the `ks-` prefix.

mod request_log;
mod request_log_columns;
mod request_log_details;
mod request_log_filters;
mod request_log_live;

pub use request_log::RequestLog;
