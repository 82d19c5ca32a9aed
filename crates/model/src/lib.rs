//! The wire types and the rules both the keyscope server and its web app need.
//!
//! Everything here is pure: no I/O, no clock reads, so it compiles to wasm and
//! every rule is tested natively.

pub mod auth;
pub mod envelope;
pub mod key_requests;
pub mod keys;
pub mod limits;
pub mod pagination;
pub mod permissions;
pub mod projects;
pub mod requests;
pub mod scopes;
pub mod timestamp;
pub mod usage;

pub use auth::{LoginRequest, Me, Role, VerifyRequest, VerifyResponse};
pub use envelope::{
    ApiError, ErrorCode, ErrorResponse, FieldError, ListResponse, Pagination, Response,
};
pub use key_requests::{
    CreateKeyRequest, CreatedKey, KeyChanges, KeySpec, Name, RotateKeyRequest, UpdateKeyRequest,
};
pub use keys::{
    base62_from_random_bytes, ApiKey, CallingKey, KeySecret, KeyStatus, Plan, SecretFormatError,
};
pub use limits::{DayUsage, KeyQuota, LimitWindow, PlanLimits, QuotaStatus, RateLimitState};
pub use pagination::PageRequest;
pub use permissions::{Grant, Power, Refusal};
pub use projects::{CreateProjectRequest, Project, ProjectCredentials, UpdateProjectRequest};
pub use requests::{Cursor, LogFilter, LogPage, Outcome, RequestEntry};
pub use scopes::{Permission, Scope, ScopeSet};
pub use usage::{Count, Granularity, Point, Totals, UsageQuery, UsageSummary};
