//! The tap's upstream with its type erased: a `Stream` of chunks or an HTTP body, yielding data or trailers.

use std::fmt::Display;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;

/// What an upstream yields: data, or (from an HTTP body) its trailers, passed on as they are.
pub(super) enum Piece {
    Data(Bytes),
    #[cfg(feature = "http")]
    Trailers(::http::HeaderMap),
}

/// An upstream with its type erased, so that [`Tap`] names only its error type.
pub(super) trait Upstream<E>: Send {
    fn poll_piece(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Piece, E>>>;

    #[cfg(feature = "http")]
    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::default()
    }

    /// Whether the upstream says it has nothing more (an HTTP body may say so before it is polled to its end;
    /// hyper then drops the body without polling it again).
    fn is_end_stream(&self) -> bool {
        false
    }
}

/// A `Stream` of byte chunks as an upstream.
pub(super) struct StreamUpstream<S>(pub(super) Pin<Box<S>>);

impl<S, B, E> Upstream<E> for StreamUpstream<S>
where
    S: Stream<Item = Result<B, E>> + Send,
    B: Into<Bytes>,
{
    fn poll_piece(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Piece, E>>> {
        self.0.as_mut().poll_next(cx).map(|item| item.map(|chunk| chunk.map(|b| Piece::Data(b.into()))))
    }
}

/// An HTTP body as an upstream: its data frames as `Bytes` (without a copy when the body's data is `Bytes`),
/// its trailers as they are.
#[cfg(feature = "http")]
pub(super) struct BodyUpstream<B>(pub(super) Pin<Box<B>>);

#[cfg(feature = "http")]
impl<B> Upstream<B::Error> for BodyUpstream<B>
where
    B: http_body::Body + Send,
{
    fn poll_piece(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Piece, B::Error>>> {
        use bytes::Buf;
        self.0.as_mut().poll_frame(cx).map(|frame| {
            frame.map(|frame| {
                frame.map(|frame| match frame.into_data() {
                    Ok(mut data) => Piece::Data(data.copy_to_bytes(data.remaining())),
                    Err(frame) => Piece::Trailers(frame.into_trailers().unwrap_or_default()),
                })
            })
        })
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.0.size_hint()
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_end_stream()
    }
}

/// An upstream whose errors are read as their text, for the observer that keeps reading it after the client
/// has gone (it forwards nothing, so the error's type no longer matters).
struct ErrorText<E>(Box<dyn Upstream<E>>);

impl<E: Display + Send> Upstream<String> for ErrorText<E> {
    fn poll_piece(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Piece, String>>> {
        self.0.poll_piece(cx).map(|item| item.map(|piece| piece.map_err(|e| e.to_string())))
    }
}

pub(super) fn error_text<E: Display + Send + 'static>(upstream: Box<dyn Upstream<E>>) -> Box<dyn Upstream<String>> {
    Box::new(ErrorText(upstream))
}
