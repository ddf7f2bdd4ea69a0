//! A connection's byte stream, watched: it closes idle and slow clients, and turns hyper's own
//! error responses into the API's JSON.
//!
//! Why here and not in hyper: hyper's header timeout starts when it waits for a request and
//! cannot tell an idle keep-alive connection from a client dribbling a header (slowloris),
//! and it closes without a word; its automatic 400, 414 and 431 have an empty body. Beneath
//! hyper, this stream sees both: whether any byte of the next request has come, and the exact
//! bytes of hyper's error answers, which no handler of ours writes (ours always carry JSON).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll, Waker};
use std::time::Duration;

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::error::ApiError;

/// What a connection shares with the server: how many of its requests are being answered.
#[derive(Debug, Default)]
pub(super) struct Activity {
    in_service: AtomicUsize,
    /// Requests begun so far: a new one starts a new wait for the next.
    begun: AtomicU64,
    /// The reader's task, woken when the last answer is sent: hyper may have polled the
    /// stream for the next request while the answer was being made, and would not again.
    reader: Mutex<Option<Waker>>,
}

impl Activity {
    /// Whether a request is in the handlers (reading its body, rendering, answering).
    pub(super) fn busy(&self) -> bool {
        self.in_service.load(Ordering::Acquire) > 0
    }

    /// Marks a request as in service until the guard is dropped (when its answer is sent).
    pub(super) fn enter(self: &Arc<Self>) -> InService {
        self.in_service.fetch_add(1, Ordering::AcqRel);
        self.begun.fetch_add(1, Ordering::AcqRel);
        InService(self.clone())
    }

    fn reader(&self) -> std::sync::MutexGuard<'_, Option<Waker>> {
        self.reader.lock().expect("no panic while holding the lock")
    }
}

/// A request in service; dropped with the last byte of its answer.
#[derive(Debug)]
pub(super) struct InService(Arc<Activity>);

impl Drop for InService {
    fn drop(&mut self) {
        if self.0.in_service.fetch_sub(1, Ordering::AcqRel) == 1 {
            if let Some(waker) = self.0.reader().take() {
                waker.wake();
            }
        }
    }
}

/// How long a client may take between requests.
#[derive(Debug, Clone, Copy)]
pub(super) struct Waits {
    /// From the first byte of a request to the end of its head (request line and headers).
    pub header: Duration,
    /// With no byte of a next request, before a kept-alive connection is closed.
    pub idle: Duration,
}

/// A stream whose reads time out while no request is in service.
pub(super) struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
    waits: Waits,
    /// Since when the next request has been awaited, and since when its first byte came.
    waiting: Option<(Instant, Option<Instant>)>,
    /// The requests begun when `waiting` was set.
    seen: u64,
    timer: Pin<Box<Sleep>>,
    /// The bytes of a JSON error still to be written in place of hyper's empty one.
    pending: Vec<u8>,
}

impl<S> Watched<S> {
    pub(super) fn new(inner: S, activity: Arc<Activity>, waits: Waits) -> Self {
        Watched {
            inner,
            activity,
            waits,
            waiting: None,
            seen: 0,
            timer: Box::pin(tokio::time::sleep(waits.idle)),
            pending: Vec::new(),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Watched<S> {
    /// Writes what fits of `pending` now; `Ready` once all of it is written.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.drain(..n);
        }
        Poll::Ready(Ok(()))
    }

    /// Answers a client too slow with its request head with 408, as far as the socket takes it
    /// now: a client that sends nothing is not waited for.
    fn answer_timeout(&mut self, cx: &mut Context<'_>) {
        let seconds = self.waits.header.as_secs();
        let error = ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!("the request head did not arrive within {seconds} s"),
            None,
            "時間内にリクエストが届きませんでした",
        )
        .hint("send the request line and headers at once");
        self.pending = raw_response(&error);
        let _ = self.poll_pending(cx);
        let _ = Pin::new(&mut self.inner).poll_flush(cx);
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.activity.busy() {
            // The body is the handler's to time; the next request is awaited afterwards.
            *this.activity.reader() = Some(cx.waker().clone());
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        let begun = this.activity.begun.load(Ordering::Acquire);
        if begun != this.seen {
            this.seen = begun;
            this.waiting = None;
        }
        let now = Instant::now();
        let (since, first_byte) = this.waiting.get_or_insert((now, None));
        let before = buf.filled().len();
        if let Poll::Ready(result) = Pin::new(&mut this.inner).poll_read(cx, buf) {
            if buf.filled().len() > before && first_byte.is_none() {
                *first_byte = Some(now);
            }
            return Poll::Ready(result);
        }
        let deadline = match first_byte {
            Some(at) => *at + this.waits.header,
            None => *since + this.waits.idle,
        };
        let in_head = first_byte.is_some();
        if this.timer.deadline() != deadline {
            this.timer.as_mut().reset(deadline);
        }
        if this.timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        if !in_head {
            // An idle kept-alive connection: end it as a clean end of stream.
            return Poll::Ready(Ok(()));
        }
        this.answer_timeout(cx);
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "request head timed out",
        )))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        if let Some(error) = hyper_error(buf) {
            this.pending = raw_response(&error);
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The JSON error for one of hyper's automatic answers to a request it could not parse: a
/// 400, 414 or 431 head with `content-length: 0`, which no handler here writes.
fn hyper_error(written: &[u8]) -> Option<ApiError> {
    let rest = written
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| written.strip_prefix(b"HTTP/1.0 "))?;
    let head_end = written.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = &written[..head_end + 2];
    if head_end + 4 != written.len()
        || !head
            .windows(19)
            .any(|w| w.eq_ignore_ascii_case(b"content-length: 0\r\n"))
    {
        return None;
    }
    let error = match rest.get(..4)? {
        b"400 " => ApiError::new(
            StatusCode::BAD_REQUEST,
            "failed to parse the request (malformed request line or header)",
            None,
            "リクエストを読み取れませんでした",
        )
        .hint("send an HTTP/1.1 request"),
        b"414 " => ApiError::new(
            StatusCode::URI_TOO_LONG,
            "the request target is longer than the limit",
            None,
            "URLが長すぎます",
        )
        .hint("send the record in a POST body, not in the URL"),
        b"431 " => ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "the request headers are larger than the limit",
            None,
            "リクエストヘッダーが大きすぎます",
        )
        .hint("send fewer or shorter headers"),
        _ => return None,
    };
    Some(error)
}

/// A whole HTTP/1.1 answer carrying an error as JSON, after which the connection closes.
pub(super) fn raw_response(error: &ApiError) -> Vec<u8> {
    let body = serde_json::to_vec(error).expect("an error serializes");
    let status = error.status();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_only_hypers_empty_error_answers() {
        let hyper_431 = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Mon, 01 Sep 2025 00:00:00 GMT\r\n\r\n";
        let error = hyper_error(hyper_431).expect("recognized");
        assert_eq!(error.status().as_u16(), 431);
        assert_eq!(
            hyper_error(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .unwrap()
                .status()
                .as_u16(),
            400
        );
        // Ours have a body; a 200 is never rewritten; nor is a head followed by its body.
        assert!(hyper_error(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n").is_none());
        assert!(hyper_error(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(hyper_error(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{}").is_none());
        assert!(hyper_error(b"{\"error\": 1}").is_none());
    }

    #[test]
    fn a_raw_response_is_json_with_its_length() {
        let error = ApiError::new(StatusCode::REQUEST_TIMEOUT, "slow", None, "遅い");
        let raw = String::from_utf8(raw_response(&error)).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 408 Request Timeout\r\n"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(value["message_ja"], "遅い");
    }
}
