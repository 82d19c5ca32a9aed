//! The service layer: the rules, called alike by REST handlers, the gateway
//! and server functions.

pub mod keys;
