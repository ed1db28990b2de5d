//! The model file parser: any bytes are a model or a refusal naming the file, never a panic or
//! an allocation out of proportion to the file. A model that loads must also assemble into an
//! engine with a catalogue, or be refused, and then route.

use crate::corpus::{workspace, Data};
use crate::input::{self, SEP};
use pr_model::Model;
use std::path::Path;

const MAGIC: &[u8] = b"PRMODEL\n";
const PREAMBLE: usize = 8 + 4 + 8;

/// Flags: bit 0 builds the file from a header and a payload (`header SEP payload`), so that
/// mutations of the JSON header keep the lengths and checksum right; bit 1 then recomputes the
/// checksum of a raw file instead.
pub fn run(data: &[u8]) {
    let (flags, body) = input::flags(data);
    let bytes = if flags & 1 == 1 {
        let (header, payload) = match body.iter().position(|&b| b == SEP) {
            Some(i) => (&body[..i], &body[i + 1..]),
            None => (body, &[][..]),
        };
        assemble(header, payload)
    } else if flags & 2 == 2 {
        with_checksum(body)
    } else {
        body.to_vec()
    };
    let path = Path::new("fuzz.model");
    match Model::from_bytes(&bytes, path) {
        Ok(model) => crate::route::check_engine(model),
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains("fuzz.model"),
                "refusal without the path: {message}"
            );
        }
    }
}

/// A model file from its JSON header and its payload (without checksum).
pub(crate) fn assemble(header: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(PREAMBLE + header.len() + payload.len() + 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&pr_model::FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(header);
    out.extend_from_slice(payload);
    with_checksum(&out)
}

fn with_checksum(body: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    out.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    out
}

/// Small models cut from the shipped one (its header, its first rows), in both layouts, and
/// some with their labels sparse (model format 2).
pub fn seeds(_: &Data, n: usize) -> Vec<Vec<u8>> {
    let Ok(shipped) = std::fs::read(workspace().join("models/default.model")) else {
        return Vec::new();
    };
    let mut seeds = Vec::new();
    let dense = [(0, 0), (4, 8), (64, 64), (512, 512)].map(|(r, w)| cut(&shipped, r, w));
    let sparse = [(4, 8), (64, 64)].map(|(r, w)| cut(&shipped, r, w).and_then(with_sparse_labels));
    for (header, payload) in dense.into_iter().chain(sparse).flatten() {
        let file = assemble(&header, &payload);
        seeds.push([&[0u8][..], &file].concat());
        seeds.push([&[2u8][..], &file[..file.len() - 4]].concat());
        seeds.push([&[1u8][..], &header, &[SEP], &payload].concat());
    }
    seeds.truncate(n);
    seeds
}

/// A dense cut ([`cut`]) with its label columns made sparse: each row keeps its first two
/// labels' weights as (column, weight) pairs, as format 2 lays them out.
fn with_sparse_labels((header, payload): (Vec<u8>, Vec<u8>)) -> Option<(Vec<u8>, Vec<u8>)> {
    const PER_ROW: usize = 2;
    let mut header: serde_json::Value = serde_json::from_slice(&header).ok()?;
    let rows = header["rows"].as_u64()? as usize;
    let labels = header["labels"].as_array()?.len();
    let heads = header["line_head"]["labels"].as_array().map_or(0, Vec::len);
    if labels < PER_ROW || heads > 0 {
        return None;
    }
    header["sparse"] = serde_json::json!({ "groups": [labels], "per_row": PER_ROW });
    let word = 4;
    let weights_at = 2 * word * rows;
    let mut out = payload.get(..weights_at)?.to_vec();
    for row in 0..rows {
        for column in 0..PER_ROW {
            let at = weights_at + word * (row * labels + column);
            out.extend_from_slice(&(column as u32).to_le_bytes());
            out.extend_from_slice(payload.get(at..at + word)?);
        }
    }
    out.extend_from_slice(payload.get(weights_at + word * rows * labels..)?);
    Some((serde_json::to_vec(&header).ok()?, out))
}

/// The shipped model's header and payload with only its first `rows` rows and `user_words`
/// user words.
pub(crate) fn cut(shipped: &[u8], rows: usize, user_words: usize) -> Option<(Vec<u8>, Vec<u8>)> {
    let header_len =
        usize::try_from(u64::from_le_bytes(shipped.get(12..20)?.try_into().ok()?)).ok()?;
    let header_end = PREAMBLE.checked_add(header_len)?;
    let mut header: serde_json::Value =
        serde_json::from_slice(shipped.get(PREAMBLE..header_end)?).ok()?;
    let all_rows = header["rows"].as_u64()? as usize;
    let columns = header["labels"].as_array()?.len()
        + header["line_head"]["labels"].as_array().map_or(0, Vec::len);
    let rows = rows.min(all_rows);
    header["rows"] = rows.into();
    if let Some(words) = header["user_words"].as_array_mut() {
        words.truncate(user_words);
    }
    let body = shipped.get(header_end..)?;
    let word = 4;
    let weights_at = 2 * word * all_rows;
    let bias_at = weights_at + word * all_rows * columns;
    let payload = [
        body.get(..word * rows)?,
        body.get(word * all_rows..word * (all_rows + rows))?,
        body.get(weights_at..weights_at + word * rows * columns)?,
        body.get(bias_at..bias_at + word * columns)?,
    ]
    .concat();
    Some((serde_json::to_vec(&header).ok()?, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_are_models_that_load_sparse_ones_included() {
        let seeds = seeds(&Data::find(), 64);
        assert!(
            !seeds.is_empty(),
            "models/default.model ships with the repository"
        );
        let whole: Vec<Model> = seeds
            .iter()
            .filter(|s| s[0] == 0)
            .map(|s| Model::from_bytes(&s[1..], Path::new("seed.model")).expect("a seed loads"))
            .collect();
        assert!(whole
            .iter()
            .any(|m| m.classifier().sparse_columns().is_some()));
        assert!(whole
            .iter()
            .any(|m| m.classifier().sparse_columns().is_none()));
    }
}
