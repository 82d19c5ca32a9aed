//! The keyscope backend: the store on SQLite, the services that hold the
//! rules, the JSON API and the web app's static files.

pub mod bootstrap;
pub mod cli;
pub mod configuration;
pub mod crypto;
pub mod demo;
pub mod error;
pub mod http;
pub mod secrets;
pub mod service;
pub mod shutdown;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod tls;
