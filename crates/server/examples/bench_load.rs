//! A fixed-rate load client for `scripts/bench/gateway.sh`: what the gateway
//! adds to a call's latency at a load both it and nginx carry, as opposed to
//! wrk's latencies at saturation, which are mostly queueing on a machine the
//! load generator, the proxy and the upstream share.
//!
//! Open loop: request `i` is due at `start + i / rate`, whether or not
//! earlier answers have come back. Its latency counts from when it was due if
//! its connection was still busy with an earlier call then (the server held
//! it up: no coordinated omission), otherwise from when it was sent (a late
//! wake-up of this client's own sleep is not the server's doing).
//!
//! Each connection first makes a few unmeasured calls. Plain threads and
//! blocking sockets, one keep-alive HTTP/1.1 connection per thread:
//! `std::thread::sleep` wakes within tens of microseconds, where tokio's
//! timer rounds up to the millisecond.
//!
//! `cargo run --profile production -p keyscope-server --example bench_load --
//!  http://127.0.0.1:18103/items/1 RATE SECONDS CONNECTIONS ['Header: value' …]`
//!
//! Prints one line: `answered rate p50 p99 p999 max` (latencies in µs).

use anyhow::{bail, Context as _};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Calls each connection makes before the measured run.
const WARM_UP_CALLS: usize = 20;

fn main() -> anyhow::Result<()> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [url, rate, seconds, connections, headers @ ..] = arguments.as_slice() else {
        bail!("usage: bench_load URL RATE SECONDS CONNECTIONS ['Header: value' …]");
    };
    let (address, path) = url
        .strip_prefix("http://")
        .and_then(|rest| rest.split_once('/'))
        .context("the URL must be http://host:port/path")?;
    let rate: f64 = rate.parse().context("RATE: requests a second")?;
    let seconds: f64 = seconds.parse().context("SECONDS")?;
    let connections: usize = connections.parse().context("CONNECTIONS")?;
    let mut request = format!("GET /{path} HTTP/1.1\r\nHost: {address}\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");

    let total = (rate * seconds) as usize;
    if total == 0 || connections == 0 || !rate.is_finite() {
        bail!("RATE × SECONDS must come to at least one request, over at least one connection");
    }
    let interval = Duration::from_secs_f64(1.0 / rate);
    // Connections first, so the first due times are not spent connecting.
    let mut streams = (0..connections)
        .map(|_| connect(address))
        .collect::<std::io::Result<Vec<_>>>()
        .context("connecting")?;
    // Unmeasured warm-up, all connections at once: what a server sets up
    // on first use (upstream connections, cache entries) is not counted.
    std::thread::scope(|scope| {
        let warming: Vec<_> = streams
            .iter_mut()
            .map(|stream| {
                scope.spawn(|| {
                    let mut buffer = Vec::new();
                    for _ in 0..WARM_UP_CALLS {
                        stream.write_all(request.as_bytes())?;
                        read_answer(stream, &mut buffer)?;
                    }
                    anyhow::Ok(())
                })
            })
            .collect();
        warming.into_iter().try_for_each(|warm| {
            warm.join()
                .map_err(|_| anyhow::anyhow!("a warm-up thread panicked"))?
        })
    })
    .context("warming up")?;
    let start = Instant::now() + Duration::from_millis(20);
    let workers: Vec<_> = streams
        .into_iter()
        .enumerate()
        .map(|(index, stream)| {
            let request = request.clone();
            std::thread::spawn(move || {
                // This connection's share: every `connections`-th request.
                let due = (index..total)
                    .step_by(connections)
                    .map(|number| start + interval.mul_f64(number as f64));
                run_connection(stream, request.as_bytes(), due)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    for worker in workers {
        let answered = worker
            .join()
            .map_err(|_| anyhow::anyhow!("a connection's thread panicked"))??;
        latencies.extend(answered);
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let at = |fraction: f64| {
        let index = ((latencies.len() as f64 * fraction) as usize).min(latencies.len() - 1);
        latencies[index]
    };
    println!(
        "{} {:.0} {} {} {} {}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        at(0.50),
        at(0.99),
        at(0.999),
        latencies.last().copied().unwrap_or(0),
    );
    Ok(())
}

/// Sends one request at each due time and reads its answer; the latencies in
/// microseconds. A connection the server closes between answers (nginx does
/// after 1,000 requests) is opened again, inside the call's time.
fn run_connection(
    mut stream: TcpStream,
    request: &[u8],
    due: impl Iterator<Item = Instant>,
) -> anyhow::Result<Vec<u32>> {
    let address = stream.peer_addr()?;
    let mut latencies = Vec::new();
    let mut buffer = Vec::with_capacity(4096);
    for due_at in due {
        let now = Instant::now();
        let counted_from = if now < due_at {
            std::thread::sleep(due_at - now);
            Instant::now()
        } else {
            due_at
        };
        let answered = stream
            .write_all(request)
            .map_err(anyhow::Error::from)
            .and_then(|()| read_answer(&mut stream, &mut buffer));
        match answered {
            Ok(Answer::KeepAlive) => {}
            Ok(Answer::Close) => stream = connect(address)?,
            Err(error) if error.is::<Closed>() => {
                stream = connect(address)?;
                stream.write_all(request)?;
                read_answer(&mut stream, &mut buffer)?;
            }
            Err(error) => return Err(error),
        }
        let micros = counted_from.elapsed().as_micros();
        latencies.push(u32::try_from(micros).unwrap_or(u32::MAX));
    }
    Ok(latencies)
}

fn connect(address: impl std::net::ToSocketAddrs) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(address)?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// The connection ended before any byte of an answer.
#[derive(Debug)]
struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("the server closed the connection")
    }
}

impl std::error::Error for Closed {}

enum Answer {
    KeepAlive,
    /// The answer said `Connection: close`.
    Close,
}

/// Reads one answer: a 2xx head and a `Content-Length` body (what the
/// benchmark's targets send).
fn read_answer(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> anyhow::Result<Answer> {
    buffer.clear();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let read = match stream.read(&mut chunk) {
            Ok(0) if buffer.is_empty() => return Err(Closed.into()),
            Err(error)
                if buffer.is_empty() && error.kind() == std::io::ErrorKind::ConnectionReset =>
            {
                return Err(Closed.into())
            }
            Ok(0) => bail!("the server closed the connection mid-head"),
            read => read?,
        };
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = std::str::from_utf8(&buffer[..head_end]).context("a non-UTF-8 head")?;
    let status = head.get(9..12).unwrap_or_default();
    if !status.starts_with('2') {
        bail!("answered {status}: {head}");
    }
    let header = |wanted: &str| {
        head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case(wanted).then(|| value.trim())
        })
    };
    let length: usize = header("content-length")
        .and_then(|value| value.parse().ok())
        .context("an answer without Content-Length")?;
    let closes = header("connection").is_some_and(|value| value.eq_ignore_ascii_case("close"));
    while buffer.len() < head_end + length {
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            bail!("the server closed the connection mid-body");
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    Ok(if closes {
        Answer::Close
    } else {
        Answer::KeepAlive
    })
}
