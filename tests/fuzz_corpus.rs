//! The fuzz targets' checks (fuzz/src/checks.rs) on stable, in every `cargo test`: the
//! kept corpus (fuzz/seeds/<target>/, grown and minimized by the cargo-fuzz runs recorded
//! in docs/FUZZING.md) is replayed, then a few thousand inputs from a fixed-seed
//! generator. A crash the fuzzer once found stays a test here.

#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/src/checks.rs"]
mod checks;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// xorshift64*: inputs of random length and bytes, biased towards the bytes that
/// matter to the parsers.
fn inputs(seed: u64, n: usize, max_len: usize) -> Vec<Vec<u8>> {
    let mut x = seed;
    let mut next = move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    const LIKELY: &[u8] = b"*$\r\n\"'\\ x0123456789-+:abSETGET";
    (0..n)
        .map(|_| {
            let len = (next() as usize) % max_len;
            (0..len)
                .map(|_| {
                    let r = next();
                    if r % 4 == 0 {
                        (r >> 8) as u8
                    } else {
                        LIKELY[(r >> 8) as usize % LIKELY.len()]
                    }
                })
                .collect()
        })
        .collect()
}

#[test]
fn tokenizer_corpus_and_random_inputs() {
    let corpus = seeds("console_tokenizer");
    assert!(!corpus.is_empty());
    for input in corpus.iter().chain(&inputs(1, 20_000, 80)) {
        checks::tokenizer::check(input);
    }
}

#[test]
fn resp_corpus_and_random_inputs() {
    let corpus = seeds("resp_parser");
    assert!(!corpus.is_empty());
    for input in corpus.iter().chain(&inputs(2, 20_000, 120)) {
        checks::resp::check(input);
    }
}

#[test]
fn engine_corpus_and_random_inputs() {
    let corpus = seeds("engine_commands");
    assert!(!corpus.is_empty());
    for input in corpus.iter().chain(&inputs(3, 1_000, 400)) {
        checks::engine::check(input);
    }
}

#[test]
fn rdb_corpus_and_random_inputs() {
    let corpus = seeds("rdb_load");
    assert!(!corpus.is_empty());
    for input in corpus.iter().chain(&inputs(4, 2_000, 300)) {
        checks::rdb::check(input);
    }
}
