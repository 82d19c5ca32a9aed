//! The wire types and the rules both the keyscope server and its web app need.
//!
//! Everything here is pure: no I/O, no clock reads, so it compiles to wasm and
//! every rule is tested natively.

pub mod envelope;
pub mod keys;
pub mod pagination;
pub mod scopes;
pub mod timestamp;

pub use envelope::{
    ApiError, ErrorCode, ErrorResponse, FieldError, ListResponse, Pagination, Response,
};
pub use keys::{base62_from_random_bytes, ApiKey, KeySecret, KeyStatus, Plan, SecretFormatError};
pub use pagination::PageRequest;
pub use scopes::{Permission, Scope, ScopeSet};
