//! Integration tests: the real server on a temporary SQLite file, spoken to
//! over HTTP.

mod access;
mod authorization;
mod binary;
mod configuration;
mod credentials;
mod foundation;
mod gateway;
mod gateway_paths;
mod helpers;
mod hostile_input;
mod keys;
mod limits;
mod logs;
mod metrics;
mod openapi;
mod operators;
mod permission_matrix;
mod request_log;
mod secret_hygiene;
mod security_headers;
mod tls;
mod usage;
