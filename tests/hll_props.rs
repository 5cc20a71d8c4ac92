//! Properties of the HyperLogLog encodings, and a fuzzer for the decoders: whatever
//! bytes an HLL string holds, no command panics.

#![cfg(not(target_arch = "wasm32"))]

use kvlab::engine::hll::{self, REGISTERS};
use kvlab::engine::{Engine, ManualClock, Reply};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any sequence of register updates, applied to a sparse HLL with any size limit,
    /// decodes to the same registers as a plain array model, and counts the same.
    #[test]
    fn sparse_updates_match_a_plain_model(
        ops in prop::collection::vec((0usize..REGISTERS, 1u8..=51), 0..400),
        clustered in any::<bool>(),
        limit in 0usize..4000,
    ) {
        let mut s = hll::new_sparse();
        let mut model = [0u8; REGISTERS];
        for (i, c) in ops {
            // Clustered indexes exercise VAL runs and their merging.
            let i = if clustered { i % 64 } else { i };
            let before = model[i];
            model[i] = model[i].max(c);
            let r = hll::set_register(&mut s, i, c, limit);
            prop_assert_ne!(r, hll::SetResult::Corrupt);
            prop_assert_eq!(r == hll::SetResult::Updated, c > before);
            if hll::encoding(&s) == hll::SPARSE {
                prop_assert!(s.len() <= limit.max(hll::new_sparse().len()) + 3);
            } else {
                prop_assert_eq!(s.len(), hll::DENSE_SIZE);
            }
        }
        let mut regs = [0u8; REGISTERS];
        prop_assert!(hll::registers(&s, &mut regs));
        prop_assert_eq!(&regs[..], &model[..]);
        prop_assert_eq!(hll::count(&s), Some(hll::estimate(&hll::histogram(&model))));
    }

    /// Arbitrary sparse codes and arbitrary dense bytes never make a command panic.
    #[test]
    fn no_panic_on_arbitrary_hll_bytes(
        code in prop::collection::vec(any::<u8>(), 0..64),
        dense in any::<bool>(),
        cache in any::<[u8; 8]>(),
    ) {
        let mut value = b"HYLL".to_vec();
        value.push(if dense { hll::DENSE } else { hll::SPARSE });
        value.extend_from_slice(&[0, 0, 0]);
        value.extend_from_slice(&cache);
        if dense {
            value.resize(hll::DENSE_SIZE, 0);
            for (i, b) in code.iter().enumerate() {
                value[hll::HDR_SIZE + i * 191 % (hll::DENSE_SIZE - hll::HDR_SIZE)] = *b;
            }
        } else {
            value.extend_from_slice(&code);
        }
        let mut e = Engine::new(Box::new(ManualClock::new(0)), 1);
        let id = e.connect("t", "t");
        e.execute(id, &[b"SET".to_vec(), b"h".to_vec(), value]);
        e.exec_words(id, "PFADD ok a b c");
        for cmd in ["PFCOUNT h", "PFADD h x y z", "PFCOUNT h ok", "PFMERGE d h ok", "PFMERGE h ok",
                    "PFDEBUG DECODE h", "PFDEBUG GETREG h", "PFDEBUG TODENSE h", "PFDEBUG ENCODING h", "PFCOUNT h"] {
            let r = e.exec_words(id, cmd);
            if let Reply::Error(msg) = &r {
                prop_assert!(msg.starts_with("INVALIDOBJ") || msg.starts_with("WRONGTYPE") || msg.starts_with("ERR HLL encoding"), "{cmd}: {msg}");
            }
        }
    }
}
