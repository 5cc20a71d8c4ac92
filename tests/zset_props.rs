//! The skip list against a simple model (a BTreeMap ordered by score then member): after
//! any sequence of inserts, score changes and removals, order, ranks, rank ranges and
//! score ranges agree, and every internal invariant (spans, back links) holds.

#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, HashMap};

use kvlab::engine::zset::{ScoreRange, ZSet};
use proptest::prelude::*;
use rand::SeedableRng;

/// Orders scores totally for the model's key.
#[derive(PartialEq, Clone, Copy, Debug)]
struct Score(f64);
impl Eq for Score {}
impl Ord for Score {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}
impl PartialOrd for Score {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

#[derive(Debug, Clone)]
enum Op {
    Set(u8, i8),
    Remove(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<u8>(), -20i8..20).prop_map(|(m, s)| Op::Set(m, s)),
        1 => any::<u8>().prop_map(Op::Remove),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn skiplist_matches_model(ops in prop::collection::vec(op(), 0..400), seed in any::<u64>()) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut z = ZSet::new(false);
        let mut model: BTreeMap<(Score, Vec<u8>), ()> = BTreeMap::new();
        let mut scores: HashMap<Vec<u8>, f64> = HashMap::new();
        for op in ops {
            match op {
                Op::Set(m, s) => {
                    let m = format!("m{m}").into_bytes();
                    let s = s as f64 / 2.0;
                    if let Some(old) = scores.insert(m.clone(), s) {
                        model.remove(&(Score(old), m.clone()));
                    }
                    model.insert((Score(s), m.clone()), ());
                    z.set_score(&m, s, &mut rng);
                }
                Op::Remove(m) => {
                    let m = format!("m{m}").into_bytes();
                    if let Some(old) = scores.remove(&m) {
                        model.remove(&(Score(old), m.clone()));
                    }
                    z.remove(&m);
                }
            }
        }
        prop_assert!(z.zsl.check().is_ok(), "{:?}", z.zsl.check());
        let expected: Vec<(Vec<u8>, f64)> = model.keys().map(|(s, m)| (m.clone(), s.0)).collect();
        let got: Vec<(Vec<u8>, f64)> = z.zsl.iter().map(|(m, s)| (m.to_vec(), s)).collect();
        prop_assert_eq!(&got, &expected);
        for (i, (m, _)) in expected.iter().enumerate() {
            prop_assert_eq!(z.rank(m, false), Some(i as u64));
            prop_assert_eq!(z.rank(m, true), Some((expected.len() - 1 - i) as u64));
        }
        if !expected.is_empty() {
            let start = expected.len() / 3;
            let window: Vec<_> = z.zsl.range_by_rank(start as u64, 5, false).into_iter().map(|(m, _)| m.to_vec()).collect();
            let want: Vec<_> = expected[start..(start + 5).min(expected.len())].iter().map(|(m, _)| m.clone()).collect();
            prop_assert_eq!(window, want);
        }
        let r = ScoreRange { min: -3.0, max: 4.5, minex: true, maxex: false };
        let in_range: Vec<_> = z.zsl.iter_score(&r, false).map(|(m, _)| m.to_vec()).collect();
        let want: Vec<_> = expected.iter().filter(|(_, s)| *s > -3.0 && *s <= 4.5).map(|(m, _)| m.clone()).collect();
        prop_assert_eq!(&in_range, &want);
        let mut rev: Vec<_> = z.zsl.iter_score(&r, true).map(|(m, _)| m.to_vec()).collect();
        rev.reverse();
        prop_assert_eq!(rev, want);
    }
}
