//! Collects a response body chunk by chunk, decoding gzip on the fly, under a size cap that
//! applies to the decoded bytes.
//!
//! We decode gzip ourselves (rather than letting the HTTP client do it) so that the cap counts
//! what ends up in memory: a few kilobytes of gzip can expand to gigabytes, and the decoder
//! stops writing the moment the cap is crossed instead of after a whole chunk has expanded.

use std::io::{self, Write};

use flate2::write::MultiGzDecoder;

/// Why a body could not be collected.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// More than the cap of decoded bytes.
    TooLarge,
    /// An encoding we cannot decode, or a corrupt compressed stream.
    Decode(String),
}

/// A byte buffer that refuses to grow past its limit.
#[derive(Debug)]
pub(crate) struct CappedBuffer {
    bytes: Vec<u8>,
    limit: u64,
    exceeded: bool,
}

impl Write for CappedBuffer {
    fn write(&mut self, chunk: &[u8]) -> io::Result<usize> {
        let would_hold = self.bytes.len() as u64 + chunk.len() as u64;
        if would_hold > self.limit {
            self.exceeded = true;
            return Err(io::Error::other("body size limit exceeded"));
        }
        self.bytes.extend_from_slice(chunk);
        Ok(chunk.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Which decoding a `Content-Encoding` header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentEncoding {
    Identity,
    Gzip,
}

impl ContentEncoding {
    /// Reads a `Content-Encoding` value; `identity` entries are ignored. Anything but a single
    /// gzip layer is refused: we only ever advertise gzip.
    pub(crate) fn from_header(value: Option<&str>) -> Result<ContentEncoding, BodyError> {
        let codings: Vec<String> = value
            .unwrap_or("")
            .split(',')
            .map(|coding| coding.trim().to_ascii_lowercase())
            .filter(|coding| !coding.is_empty() && coding != "identity")
            .collect();
        match codings.as_slice() {
            [] => Ok(ContentEncoding::Identity),
            [only] if only == "gzip" || only == "x-gzip" => Ok(ContentEncoding::Gzip),
            _ => Err(BodyError::Decode(format!(
                "unsupported Content-Encoding {}",
                codings.join(", ")
            ))),
        }
    }
}

/// Accumulates a body under a cap of decoded bytes.
#[derive(Debug)]
pub(crate) enum BodyCollector {
    Identity(CappedBuffer),
    Gzip(Box<MultiGzDecoder<CappedBuffer>>),
}

impl BodyCollector {
    pub(crate) fn new(encoding: ContentEncoding, limit: u64) -> BodyCollector {
        let buffer = CappedBuffer {
            bytes: Vec::new(),
            limit,
            exceeded: false,
        };
        match encoding {
            ContentEncoding::Identity => BodyCollector::Identity(buffer),
            ContentEncoding::Gzip => BodyCollector::Gzip(Box::new(MultiGzDecoder::new(buffer))),
        }
    }

    /// Adds one chunk as received from the wire.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<(), BodyError> {
        match self {
            BodyCollector::Identity(buffer) => {
                buffer.write_all(chunk).map_err(|_| BodyError::TooLarge)
            }
            BodyCollector::Gzip(decoder) => match decoder.write_all(chunk) {
                Ok(()) => Ok(()),
                Err(_) if decoder.get_ref().exceeded => Err(BodyError::TooLarge),
                Err(error) => Err(BodyError::Decode(format!("corrupt gzip stream: {error}"))),
            },
        }
    }

    /// The whole decoded body, once the wire has no more chunks.
    pub(crate) fn finish(self) -> Result<Vec<u8>, BodyError> {
        match self {
            BodyCollector::Identity(buffer) => Ok(buffer.bytes),
            BodyCollector::Gzip(mut decoder) => match decoder.try_finish() {
                Ok(()) => Ok(decoder.get_mut().bytes.split_off(0)),
                Err(_) if decoder.get_ref().exceeded => Err(BodyError::TooLarge),
                Err(error) => Err(BodyError::Decode(format!("truncated gzip stream: {error}"))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(data).expect("in-memory write");
        encoder.finish().expect("in-memory finish")
    }

    fn collect(encoding: ContentEncoding, limit: u64, wire: &[u8]) -> Result<Vec<u8>, BodyError> {
        let mut collector = BodyCollector::new(encoding, limit);
        for chunk in wire.chunks(7) {
            collector.push(chunk)?;
        }
        collector.finish()
    }

    #[test]
    fn identity_body_up_to_the_limit_passes() {
        let body = collect(ContentEncoding::Identity, 10, b"0123456789").expect("fits");
        assert_eq!(body, b"0123456789");
        assert!(matches!(
            collect(ContentEncoding::Identity, 9, b"0123456789"),
            Err(BodyError::TooLarge)
        ));
    }

    #[test]
    fn gzip_body_is_decoded_and_capped_on_decoded_size() {
        let text = b"<rss>hello hello hello hello</rss>".repeat(20);
        let wire = gzip(&text);
        assert!((wire.len() as u64) < 200);
        let decoded = collect(ContentEncoding::Gzip, 10_000, &wire).expect("fits");
        assert_eq!(decoded, text);
        assert!(matches!(
            collect(ContentEncoding::Gzip, 200, &wire),
            Err(BodyError::TooLarge)
        ));
    }

    #[test]
    fn corrupt_and_truncated_gzip_are_decode_errors() {
        assert!(matches!(
            collect(ContentEncoding::Gzip, 1000, b"definitely not gzip data"),
            Err(BodyError::Decode(_))
        ));
        let wire = gzip(b"a feed body that will be cut short");
        assert!(matches!(
            collect(ContentEncoding::Gzip, 1000, &wire[..wire.len() / 2]),
            Err(BodyError::Decode(_))
        ));
    }

    #[test]
    fn reads_content_encoding_headers() {
        let check = |header: Option<&str>, expected: Option<ContentEncoding>| {
            assert_eq!(
                ContentEncoding::from_header(header).ok(),
                expected,
                "{header:?}"
            )
        };
        check(None, Some(ContentEncoding::Identity));
        check(Some("identity"), Some(ContentEncoding::Identity));
        check(Some("gzip"), Some(ContentEncoding::Gzip));
        check(Some("X-Gzip"), Some(ContentEncoding::Gzip));
        check(Some("gzip, identity"), Some(ContentEncoding::Gzip));
        check(Some("br"), None);
        check(Some("gzip, gzip"), None);
    }
}
