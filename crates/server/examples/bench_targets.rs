//! Baselines for `scripts/bench/gateway.sh`, measured in the same run as
//! keyscope: a bare axum handler answering a fixed JSON body (what a key
//! verification is compared with), and a plain upstream for the gateway and
//! for nginx to proxy to.
//!
//! `cargo run --profile server -p keyscope-server --example bench_targets -- FIXED_ADDR UPSTREAM_ADDR`

use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{json, Value};

async fn fixed() -> Json<Value> {
    Json(json!({ "success": true, "data": { "id": "key_01BENCHMARK", "plan": "enterprise" } }))
}

async fn upstream() -> Json<Value> {
    Json(json!({ "ok": true, "items": [1, 2, 3] }))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let fixed_address = args.next().unwrap_or_else(|| "127.0.0.1:18101".to_owned());
    let upstream_address = args.next().unwrap_or_else(|| "127.0.0.1:18102".to_owned());
    let fixed_listener = tokio::net::TcpListener::bind(&fixed_address).await?;
    let upstream_listener = tokio::net::TcpListener::bind(&upstream_address).await?;
    println!("bench targets: fixed on {fixed_address}, upstream on {upstream_address}");
    let fixed_app = Router::new().route("/fixed", get(fixed));
    let upstream_app = Router::new().route("/{*path}", any(upstream));
    tokio::try_join!(
        async { axum::serve(fixed_listener, fixed_app).await },
        async { axum::serve(upstream_listener, upstream_app).await },
    )?;
    Ok(())
}
