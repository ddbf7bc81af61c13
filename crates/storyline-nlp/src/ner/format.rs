//! The model file: a small binary format of our own, so the model needs no serialisation
//! crate and stays compact (features sorted by hash and delta-coded, weights quantised to
//! 16 bits, only non-zero weights stored).
//!
//! Layout, little-endian:
//! ```text
//! magic "STORYNER" | version u32 | payload length u64 | SHA-256 of the payload (32 bytes)
//! payload:
//!   feature groups u32 | tag count u32 | weight scale f32
//!   transitions: (tags + 1) × tags f32
//!   gazetteer: count u32, then (phrase hash u64, kinds u8) sorted by hash
//!   clusters: count u32, then (word hash u64, coarse u16, fine u16) sorted by hash
//!   features: count u32, then for each, sorted by hash: hash delta (LEB128 varint),
//!             weights n u8, n × (tag u8, weight i16 × scale)
//! ```
//! A wrong magic, another version, a short file or a checksum mismatch is refused with one
//! line saying which.

use super::NerError;
use super::clusters::Clusters;
use super::decode::TRANSITION_LEN;
use super::features::FeatureGroups;
use super::gazetteer::Gazetteer;
use super::model::{FeatureIndex, Model};
use super::tags::TAG_COUNT;
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 8] = b"STORYNER";
/// Bump when the layout or the feature templates change.
pub const VERSION: u32 = 2;
const HEADER_LEN: usize = 8 + 4 + 8 + 32;

impl Model {
    /// The model file's bytes. Weights whose magnitude is below `prune` are dropped (the
    /// averaged perceptron leaves many near zero); features left with none are dropped.
    pub fn to_bytes(&self, prune: f32) -> Vec<u8> {
        let max = self.weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / 32767.0 } else { 1.0 };
        let mut payload = Vec::new();
        payload.extend_from_slice(&self.groups.0.to_le_bytes());
        payload.extend_from_slice(&(TAG_COUNT as u32).to_le_bytes());
        payload.extend_from_slice(&scale.to_le_bytes());
        for value in &self.transitions {
            payload.extend_from_slice(&value.to_le_bytes());
        }
        let entries = self.gazetteer.sorted_entries();
        payload.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        for (hash, kinds) in entries {
            payload.extend_from_slice(&hash.to_le_bytes());
            payload.push(kinds);
        }
        let clusters = self.clusters.sorted_entries();
        payload.extend_from_slice(&(clusters.len() as u32).to_le_bytes());
        for (hash, (coarse, fine)) in clusters {
            payload.extend_from_slice(&hash.to_le_bytes());
            payload.extend_from_slice(&coarse.to_le_bytes());
            payload.extend_from_slice(&fine.to_le_bytes());
        }
        let mut features: Vec<(u64, Vec<(u8, i16)>)> = self
            .rows
            .iter()
            .filter_map(|(&hash, &row)| {
                let weights = &self.weights[row as usize * TAG_COUNT..][..TAG_COUNT];
                let kept: Vec<(u8, i16)> = weights
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| w.abs() >= prune && w.abs() > 0.0)
                    .map(|(tag, w)| (tag as u8, (w / scale).round() as i16))
                    .filter(|&(_, q)| q != 0)
                    .collect();
                (!kept.is_empty()).then_some((hash, kept))
            })
            .collect();
        features.sort_unstable_by_key(|(hash, _)| *hash);
        payload.extend_from_slice(&(features.len() as u32).to_le_bytes());
        let mut previous = 0u64;
        for (hash, weights) in features {
            write_varint(&mut payload, hash - previous);
            previous = hash;
            payload.push(weights.len() as u8);
            for (tag, weight) in weights {
                payload.push(tag);
                payload.extend_from_slice(&weight.to_le_bytes());
            }
        }
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(&payload));
        out.extend_from_slice(&payload);
        out
    }

    /// Reads a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, NerError> {
        if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
            return Err(NerError::NotAModel);
        }
        let mut header = Reader { bytes, at: 8 };
        let version = header.u32()?;
        if version != VERSION {
            return Err(NerError::Version {
                found: version,
                expected: VERSION,
            });
        }
        let payload_len = header.u64()? as usize;
        let checksum = header.take(32)?;
        let payload = &bytes[HEADER_LEN..];
        if payload.len() != payload_len {
            return Err(NerError::Corrupt(format!(
                "{} payload bytes, the header says {payload_len}",
                payload.len()
            )));
        }
        if Sha256::digest(payload).as_slice() != checksum {
            return Err(NerError::Corrupt("checksum mismatch".into()));
        }
        let mut reader = Reader {
            bytes: payload,
            at: 0,
        };
        let groups = FeatureGroups(reader.u32()?);
        let tags = reader.u32()? as usize;
        if tags != TAG_COUNT {
            return Err(NerError::Corrupt(format!(
                "{tags} tags, this build knows {TAG_COUNT}"
            )));
        }
        let scale = reader.f32()?;
        let mut transitions = Vec::with_capacity(TRANSITION_LEN);
        for _ in 0..TRANSITION_LEN {
            transitions.push(reader.f32()?);
        }
        let mut gazetteer = Gazetteer::default();
        let phrases = reader.u32()? as usize;
        gazetteer.phrases.reserve(phrases);
        for _ in 0..phrases {
            let hash = reader.u64()?;
            let kinds = reader.u8()?;
            gazetteer.phrases.insert(hash, kinds);
        }
        let mut clusters = Clusters::default();
        let words = reader.u32()? as usize;
        clusters.words.reserve(words);
        for _ in 0..words {
            let hash = reader.u64()?;
            let coarse = reader.u16()?;
            let fine = reader.u16()?;
            clusters.words.insert(hash, (coarse, fine));
        }
        let count = reader.u32()? as usize;
        let mut rows = FeatureIndex::default();
        rows.reserve(count);
        let mut weights = vec![0f32; count * TAG_COUNT];
        let mut hash = 0u64;
        for row in 0..count {
            hash = hash
                .checked_add(reader.varint()?)
                .ok_or_else(|| NerError::Corrupt("feature hashes out of order".into()))?;
            let n = reader.u8()? as usize;
            for _ in 0..n {
                let tag = reader.u8()? as usize;
                let weight = reader.i16()?;
                if tag >= TAG_COUNT {
                    return Err(NerError::Corrupt(format!("tag {tag} out of range")));
                }
                weights[row * TAG_COUNT + tag] = f32::from(weight) * scale;
            }
            rows.insert(hash, row as u32);
        }
        if reader.at != payload.len() {
            return Err(NerError::Corrupt("bytes after the last feature".into()));
        }
        Ok(Model {
            groups,
            rows,
            weights,
            transitions,
            gazetteer,
            clusters,
        })
    }
}

fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], NerError> {
        let slice = self
            .bytes
            .get(self.at..self.at + n)
            .ok_or_else(|| NerError::Corrupt("file ends early".into()))?;
        self.at += n;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], NerError> {
        Ok(self.take(N)?.try_into().expect("length checked"))
    }

    fn u8(&mut self) -> Result<u8, NerError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, NerError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn i16(&mut self) -> Result<i16, NerError> {
        Ok(i16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, NerError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, NerError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn f32(&mut self) -> Result<f32, NerError> {
        Ok(f32::from_le_bytes(self.array()?))
    }

    fn varint(&mut self) -> Result<u64, NerError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(NerError::Corrupt("varint too long".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::features::hash_str;
    use crate::ner::tags::Kind;

    fn small_model() -> Model {
        let mut model = Model::empty(FeatureGroups::ALL);
        for (row, hash) in [12345u64, 7, u64::MAX - 3].into_iter().enumerate() {
            model.rows.insert(hash, row as u32);
        }
        model.weights = (0..3 * TAG_COUNT)
            .map(|i| (i as f32 - 20.0) * 0.25)
            .collect();
        model.transitions = (0..TRANSITION_LEN).map(|i| i as f32 * -0.5).collect();
        model.gazetteer.insert(&[hash_str("zorbland")], Kind::Place);
        model.clusters = Clusters::parse_tsv("zorbland\t2\t9\n").expect("clusters");
        model
    }

    #[test]
    fn round_trip_keeps_weights() {
        let model = small_model();
        let bytes = model.to_bytes(0.0);
        let read = Model::from_bytes(&bytes).expect("reads back");
        assert_eq!(read.groups, model.groups);
        assert_eq!(read.transitions, model.transitions);
        assert_eq!(read.gazetteer, model.gazetteer);
        assert_eq!(read.clusters, model.clusters);
        for (hash, row) in &model.rows {
            let read_row = read.rows[hash] as usize;
            for tag in 0..TAG_COUNT {
                let original = model.weights[*row as usize * TAG_COUNT + tag];
                let back = read.weights[read_row * TAG_COUNT + tag];
                assert!((original - back).abs() < 1e-3, "{original} vs {back}");
            }
        }
    }

    #[test]
    fn pruning_drops_small_weights() {
        let model = small_model();
        let all = Model::from_bytes(&model.to_bytes(0.0)).expect("reads");
        let pruned = Model::from_bytes(&model.to_bytes(4.0)).expect("reads");
        assert_eq!(all.feature_count(), 3);
        assert!(pruned.feature_count() < all.feature_count());
    }

    #[test]
    fn a_corrupt_file_is_refused() {
        let mut bytes = small_model().to_bytes(0.0);
        let last = bytes.len() - 1;
        bytes[last] ^= 0x55;
        let err = Model::from_bytes(&bytes).expect_err("corrupt");
        assert_eq!(
            err.to_string(),
            "entity model is corrupt: checksum mismatch"
        );
    }

    #[test]
    fn a_short_or_foreign_file_is_refused() {
        let bytes = small_model().to_bytes(0.0);
        assert!(matches!(
            Model::from_bytes(&bytes[..bytes.len() - 10]),
            Err(NerError::Corrupt(_))
        ));
        assert!(matches!(
            Model::from_bytes(b"GGUF and other things that are no model at all, long enough"),
            Err(NerError::NotAModel)
        ));
        assert!(matches!(Model::from_bytes(&[]), Err(NerError::NotAModel)));
    }

    #[test]
    fn another_version_is_refused() {
        let mut bytes = small_model().to_bytes(0.0);
        bytes[8..12].copy_from_slice(&(VERSION + 1).to_le_bytes());
        let err = Model::from_bytes(&bytes).expect_err("version");
        assert!(err.to_string().contains("version 3"), "{err}");
    }
}
