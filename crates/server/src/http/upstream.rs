//! Keep-alive HTTP/1.1 connections to the gateway's upstreams, driven by the
//! task of the call that uses them.
//!
//! hyper-util's pooled client runs each upstream connection in a task of its
//! own: every proxied call then hands its request to that task and its
//! answer back, chunk by chunk, waking another task (often on the other
//! worker thread) several times a call. Here the call's own task polls the
//! connection while it waits for the answer, and the answer's body polls it
//! while the body is read, so a call is one task from the caller's bytes to
//! the upstream's and back, as in an event-loop proxy. A connection goes back
//! to the idle list once its answer has been read to the end; one whose
//! answer is dropped half-read is closed.
//!
//! Nothing polls a connection while it is idle: one the upstream closed in
//! the meantime is noticed (and dropped) when it is next checked out, and
//! one older than [`IDLE_TIMEOUT`] when a connection is given back. Until
//! then its socket stays open on this side, at most
//! [`MAX_IDLE_PER_UPSTREAM`] per upstream.

use crate::service::upstreams::UpstreamPolicy;
use crate::telemetry::UpstreamError;
use axum::body::Body;
use axum::http::{Request, Response};
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread::ThreadId;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// Idle connections kept per upstream address; more are closed when done.
const MAX_IDLE_PER_UPSTREAM: usize = 256;
/// Idle connections older than this are closed instead of reused.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

type Connection = http1::Connection<TokioIo<TcpStream>, Body>;

/// One HTTP/1.1 connection to an upstream: the handle that sends requests
/// and the state machine that does its I/O when polled. Kept boxed: hyper's
/// connection state is some 700 bytes, moved in and out of the idle list
/// and into the answer's body on every call.
struct Upstream {
    sender: http1::SendRequest<Body>,
    connection: Connection,
    /// The connection future has completed: the socket is gone.
    closed: bool,
}

impl Upstream {
    async fn connect(address: &str, policy: UpstreamPolicy) -> Result<Box<Self>, Failure> {
        let stream = TcpStream::connect(address)
            .await
            .map_err(Failure::Connect)?;
        // The address actually reached, whatever the name resolved to when
        // the URL was set.
        let peer = stream.peer_addr().map_err(Failure::Connect)?;
        if let Some(why) = policy.refuses(peer.ip()) {
            return Err(Failure::Refused(why));
        }
        stream.set_nodelay(true).map_err(Failure::Connect)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(Failure::Http)?;
        Ok(Box::new(Self {
            sender,
            connection,
            closed: false,
        }))
    }

    /// Lets the connection do what I/O it can; registers the current task
    /// for its sockets and channels.
    fn drive(&mut self, context: &mut Context<'_>) {
        if !self.closed && Pin::new(&mut self.connection).poll(context).is_ready() {
            self.closed = true;
        }
    }

    /// Whether it can take a request now: finished the last answer, still
    /// open (a connection the upstream closed while idle reads its end here).
    fn settle(&mut self, context: &mut Context<'_>) -> bool {
        for _ in 0..2 {
            self.drive(context);
            if self.closed {
                return false;
            }
            if self.sender.is_ready() {
                return true;
            }
        }
        false
    }
}

/// Why a call got no answer from its upstream.
#[derive(Debug)]
pub enum Failure {
    Connect(std::io::Error),
    Http(hyper::Error),
    /// The connection ended without answering.
    Closed,
    /// The upstream's address is one the operator's policy refuses.
    Refused(&'static str),
}

impl Failure {
    /// The `kind` label of `keyscope_upstream_errors_total`.
    pub fn kind(&self) -> UpstreamError {
        match self {
            Failure::Connect(_) => UpstreamError::Connect,
            Failure::Http(_) => UpstreamError::Http,
            Failure::Closed => UpstreamError::Closed,
            Failure::Refused(_) => UpstreamError::Refused,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Connect(error) => write!(formatter, "could not connect: {error}"),
            Failure::Http(error) => write!(formatter, "{error}"),
            Failure::Closed => formatter.write_str("the connection closed without an answer"),
            Failure::Refused(why) => {
                write!(formatter, "the upstream is {why}, which is not allowed")
            }
        }
    }
}

/// Idle connections by the HTTP worker thread that opened them, then by
/// upstream address (`host:port`), most recently used last.
///
/// A socket wakes the runtime it was opened on; each worker thread runs its
/// own (`startup::serve_on_this_thread`), so a call takes only its own
/// thread's connections and never waits on another thread's wake-up.
#[derive(Default)]
pub struct UpstreamPool {
    idle: Mutex<HashMap<ThreadId, IdleByAddress>>,
    policy: UpstreamPolicy,
}

/// One worker thread's idle connections, with the time each went idle.
type IdleByAddress = HashMap<String, Vec<(Instant, Box<Upstream>)>>;

impl UpstreamPool {
    pub fn new(policy: UpstreamPolicy) -> Self {
        Self {
            idle: Mutex::default(),
            policy,
        }
    }

    /// Sends `request` (origin-form URI, `Host` set) to `address` and
    /// answers with the upstream's response, its body streamed as read.
    pub async fn send(
        self: &Arc<Self>,
        address: &str,
        mut request: Request<Body>,
    ) -> Result<Response<Body>, Failure> {
        loop {
            let (mut upstream, reused) =
                match poll_fn(|context| Poll::Ready(self.checkout(address, context))).await {
                    Some(upstream) => (upstream, true),
                    None => (Upstream::connect(address, self.policy).await?, false),
                };
            let mut answer = std::pin::pin!(upstream.sender.try_send_request(request));
            let outcome = poll_fn(|context| {
                if let Poll::Ready(outcome) = answer.as_mut().poll(context) {
                    return Poll::Ready(Some(outcome));
                }
                upstream.drive(context);
                match answer.as_mut().poll(context) {
                    Poll::Ready(outcome) => Poll::Ready(Some(outcome)),
                    // Ended without settling the request: nothing will.
                    Poll::Pending if upstream.closed => Poll::Ready(None),
                    Poll::Pending => Poll::Pending,
                }
            })
            .await;
            match outcome {
                Some(Ok(response)) => return Ok(self.stream_back(address, upstream, response)),
                Some(Err(mut error)) => match error.take_message() {
                    // An idle connection the upstream had closed, found
                    // before the request went out: once more on a new one.
                    Some(unsent) if reused => request = unsent,
                    _ => return Err(Failure::Http(error.into_error())),
                },
                None => return Err(Failure::Closed),
            }
        }
    }

    /// The most recently used idle connection to `address` that is still
    /// open, now driven by the calling task.
    fn checkout(&self, address: &str, context: &mut Context<'_>) -> Option<Box<Upstream>> {
        loop {
            let (_, mut upstream) = self
                .idle
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .get_mut(&std::thread::current().id())?
                .get_mut(address)?
                .pop()?;
            if upstream.settle(context) {
                return Some(upstream);
            }
        }
    }

    fn give_back(&self, address: &str, upstream: Box<Upstream>) {
        let now = Instant::now();
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let by_address = idle.entry(std::thread::current().id()).or_default();
        let list = match by_address.get_mut(address) {
            Some(list) => list,
            None => by_address.entry(address.to_owned()).or_default(),
        };
        // The oldest are first: drop those idle too long.
        let stale = list
            .iter()
            .take_while(|(since, _)| now.duration_since(*since) > IDLE_TIMEOUT)
            .count();
        list.drain(..stale);
        if list.len() < MAX_IDLE_PER_UPSTREAM {
            list.push((now, upstream));
        }
    }

    fn stream_back(
        self: &Arc<Self>,
        address: &str,
        upstream: Box<Upstream>,
        response: Response<Incoming>,
    ) -> Response<Body> {
        let (parts, body) = response.into_parts();
        let mut body = StreamedBody {
            body,
            upstream: Some(upstream),
            pool: self.clone(),
            address: address.to_owned(),
        };
        if body.body.is_end_stream() {
            // No body to read (HEAD, 204, 304, empty): free at once. Nothing
            // waits on this poll, hence the no-op waker.
            body.release(&mut Context::from_waker(std::task::Waker::noop()));
        }
        Response::from_parts(parts, Body::new(body))
    }
}

/// The upstream's answer body; reading it drives its connection, and the
/// connection goes back to the pool when the body is read to the end.
struct StreamedBody {
    body: Incoming,
    upstream: Option<Box<Upstream>>,
    pool: Arc<UpstreamPool>,
    address: String,
}

impl StreamedBody {
    fn release(&mut self, context: &mut Context<'_>) {
        if let Some(mut upstream) = self.upstream.take() {
            if upstream.settle(context) {
                self.pool.give_back(&self.address, upstream);
            }
        }
    }
}

impl HttpBody for StreamedBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let mut frame = Pin::new(&mut this.body).poll_frame(context);
        if frame.is_pending() {
            if let Some(upstream) = &mut this.upstream {
                upstream.drive(context);
            }
            frame = Pin::new(&mut this.body).poll_frame(context);
        }
        match &frame {
            Poll::Ready(None) => this.release(context),
            Poll::Ready(Some(Ok(_))) if this.body.is_end_stream() => this.release(context),
            // A broken answer: its connection is not reused.
            Poll::Ready(Some(Err(_))) => this.upstream = None,
            _ => {}
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
