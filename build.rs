//! Packs the world map's land outline (www/land.json: rings of longitude,latitude pairs
//! in tenths of a degree) into a compact binary the browser app embeds: per ring, its
//! point count, then each point as the zigzag varint difference from the one before.
//! A third of the JSON's size, and no JSON parser needed in the app to read it.

use std::io::Write;

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn main() {
    pack_land();
    pack_lessons();
}

/// Every `lessons/*.toml`, in file-name order, parsed and written as one JSON array the
/// app embeds (`lessons.json`). A syntax error in a lesson fails the build with its file
/// name; the lesson schema itself is checked by the lesson tests.
fn pack_lessons() {
    println!("cargo:rerun-if-changed=lessons");
    let mut files: Vec<_> = std::fs::read_dir("lessons")
        .expect("lessons/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut all = Vec::new();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let text = std::fs::read_to_string(f).expect("a readable lesson file");
        let value: serde_json::Value =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        all.push(value);
    }
    let path =
        std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("lessons.json");
    std::fs::write(path, serde_json::to_string(&all).expect("JSON")).expect("write lessons.json");
}

fn pack_land() {
    println!("cargo:rerun-if-changed=www/land.json");
    let text = std::fs::read_to_string("www/land.json").expect("www/land.json");
    // [[x,y,x,y,...],[...],...]: numbers, grouped by the inner brackets.
    let mut rings: Vec<Vec<i64>> = Vec::new();
    let mut depth = 0;
    let mut num = String::new();
    for c in text.chars() {
        match c {
            '[' => {
                depth += 1;
                if depth == 2 {
                    rings.push(Vec::new());
                }
            }
            '-' | '0'..='9' => num.push(c),
            _ => {
                if !num.is_empty() {
                    let v = num.parse().expect("a number in land.json");
                    rings.last_mut().expect("a ring").push(v);
                    num.clear();
                }
                if c == ']' {
                    depth -= 1;
                }
            }
        }
    }
    let mut out = Vec::new();
    varint(&mut out, rings.len() as u64);
    for r in &rings {
        varint(&mut out, (r.len() / 2) as u64);
        let (mut px, mut py) = (0i64, 0i64);
        for p in r.chunks(2) {
            varint(&mut out, zigzag(p[0] - px));
            varint(&mut out, zigzag(p[1] - py));
            (px, py) = (p[0], p[1]);
        }
    }
    let path = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("land.bin");
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(&out))
        .expect("write land.bin");
}
