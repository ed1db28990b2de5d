//! Inputs of several parts (files of a catalogue, fields of a request): the parts are joined
//! with a byte that UTF-8 text never holds, so a seed made of real text keeps its text whole
//! and a mutation can still move, add or drop a border.

use std::borrow::Cow;

/// The separator of parts.
pub const SEP: u8 = 0xFF;

/// The parts of `data`.
pub fn parts(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == SEP).collect()
}

/// Parts joined into one input.
pub fn join<P: AsRef<[u8]>>(parts: &[P]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(SEP);
        }
        out.extend_from_slice(p.as_ref());
    }
    out
}

/// A part as text: invalid UTF-8 becomes U+FFFD, as a lenient client would send it.
pub fn text(part: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(part)
}

/// The first byte (flags chosen by the input) and the rest.
pub fn flags(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&f, rest)) => (f, rest),
        None => (0, data),
    }
}
