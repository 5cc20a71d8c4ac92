//! The Cuckoo panel: the buckets of a cuckoo filter with their one-byte fingerprints, the
//! two candidate buckets of the last item, the relocation path when an insert had to
//! kick fingerprints out (worked out by the engine's `plan_insert` just before the
//! command ran, so the panel shows what CF.ADD really did), and deletes.

use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
use super::i18n::{tr, use_lang};
use super::session::{with_rng, PanelProps};
use super::sketch::{bi, items, show};
use crate::engine::cuckoo::{self, Plan};

/// Buckets drawn whole at most; bigger filters show the buckets of interest only.
const DRAWN: u64 = 64;
/// Filters up to this many bytes are copied to plan the last item of a CF.INSERT.
const PLAN_COPY_LIMIT: usize = 1 << 16;

#[derive(Default)]
struct CuckooTrack {
    key: Option<Vec<u8>>,
    db: usize,
    /// The last insert: its item and what it did.
    plan: Option<(Vec<u8>, Plan)>,
    /// The last delete: item, sub-filter, bucket, slot, fingerprint.
    deleted: Option<(Vec<u8>, usize, u64, u16, u8)>,
    /// The last item looked up (CF.EXISTS, CF.COUNT, CF.DEL …).
    looked: Option<Vec<u8>>,
    /// The last command and whether it failed (a full filter).
    last_cmd: String,
    failed: Option<String>,
    /// Items the demo added, for its delete button.
    demo_items: Vec<String>,
}

impl CuckooTrack {
    fn feed(&mut self, f: &Feed) -> bool {
        match f {
            Feed::Before { db, argv, .. } if argv.len() >= 2 && is_cf(argv) => {
                let name = argv[0].to_ascii_lowercase();
                let its = items(argv);
                let eng = engine();
                let eng = eng.borrow();
                let Some(cf) = eng.peek_cuckoo(*db, &argv[1]) else {
                    self.plan = None;
                    return false;
                };
                match name.as_slice() {
                    b"cf.add" | b"cf.addnx" | b"cf.insert" | b"cf.insertnx" => {
                        let unique = name.ends_with(b"nx");
                        let Some(last) = its.last() else { return false };
                        let plan = if its.len() == 1 {
                            Some(cf.plan_insert(cuckoo::hash(last), unique))
                        } else if cf.filters.iter().map(|f| f.data.len()).sum::<usize>()
                            <= PLAN_COPY_LIMIT
                        {
                            // The items before the last go in first.
                            let mut copy = cf.clone();
                            for it in &its[..its.len() - 1] {
                                copy.insert(cuckoo::hash(it), unique, PLAN_COPY_LIMIT as u64);
                            }
                            Some(copy.plan_insert(cuckoo::hash(last), unique))
                        } else {
                            None
                        };
                        self.plan = plan.map(|p| (last.clone(), p));
                        self.deleted = None;
                    }
                    b"cf.del" => {
                        self.deleted = its.first().and_then(|it| {
                            let (fp, h1, h2) = cuckoo::lookup(it);
                            let bs = cf.bucket_size;
                            cf.filters.iter().enumerate().rev().find_map(|(fi, f)| {
                                [h1, h2].into_iter().find_map(|h| {
                                    let b = f.bucket_of(h);
                                    let s = f.slots(b, bs).iter().position(|&x| x == fp)?;
                                    Some((it.clone(), fi, b, s as u16, fp))
                                })
                            })
                        });
                        self.plan = None;
                    }
                    _ => {}
                }
                false
            }
            Feed::Ran(o) if is_cf(&o.argv) && o.argv.len() >= 2 && o.reply.is_some() && !o.tx => {
                if self.key.as_ref() != Some(&o.argv[1]) {
                    self.plan = self
                        .plan
                        .take()
                        .filter(|_| o.is(&["cf.add", "cf.addnx", "cf.insert", "cf.insertnx"]));
                }
                self.key = Some(o.argv[1].clone());
                self.db = o.db;
                self.last_cmd = o.name().to_ascii_uppercase();
                self.failed = match &o.reply {
                    Some(crate::engine::Reply::Error(e)) => Some(e.clone()),
                    Some(crate::engine::Reply::Array(v)) => v.iter().find_map(|r| match r {
                        crate::engine::Reply::Error(e) => Some(e.clone()),
                        _ => None,
                    }),
                    _ => None,
                };
                if !o.is(&["cf.add", "cf.addnx", "cf.insert", "cf.insertnx"]) {
                    self.plan = None;
                }
                if !o.is(&["cf.del"]) {
                    self.deleted = None;
                }
                self.looked = items(&o.argv).last().cloned();
                true
            }
            Feed::Replaced => {
                *self = CuckooTrack::default();
                true
            }
            Feed::Ran(o) if self.key.is_some() && o.wrote() => true,
            Feed::Background(_) => self.key.is_some(),
            _ => false,
        }
    }
}

fn is_cf(argv: &[Vec<u8>]) -> bool {
    argv.first()
        .is_some_and(|a| a.len() > 3 && a[..3].eq_ignore_ascii_case(b"cf."))
}

#[function_component(CuckooPanel)]
pub fn cuckoo_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(CuckooTrack::default, CuckooTrack::feed, props.visible);
    if !props.visible {
        return html! {};
    }
    let session = props.session.clone();
    let reserve = {
        let (session, model) = (session.clone(), model.clone());
        Callback::from(move |_| {
            model.update(|m| m.demo_items.clear());
            session.run_lines(&[
                "DEL demo:cuckoo",
                "CF.RESERVE demo:cuckoo 16 BUCKETSIZE 2 MAXITERATIONS 20 EXPANSION 1",
            ]);
        })
    };
    let add_one = {
        let (session, model) = (session.clone(), model.clone());
        Callback::from(move |_| {
            let id = with_rng(|r| rand::RngExt::random_range(r, 0..1_000_000u32));
            let item = format!("user:{id}");
            model.get_mut().demo_items.push(item.clone());
            session.run_lines(&[format!("CF.ADD demo:cuckoo {item}")]);
        })
    };
    // Adds one item at a time until one insert has to kick (or 40 tries): the panel's
    // own model says, after each command, whether the last insert relocated anything.
    let until_kick = {
        let (session, model) = (session.clone(), model.clone());
        Callback::from(move |_| {
            for _ in 0..40 {
                let id = with_rng(|r| rand::RngExt::random_range(r, 0..1_000_000u32));
                let item = format!("user:{id}");
                model.get_mut().demo_items.push(item.clone());
                session.run_lines(&[format!("CF.ADD demo:cuckoo {item}")]);
                let kicked = model
                    .get()
                    .plan
                    .as_ref()
                    .is_some_and(|(_, p)| !p.kicks.is_empty() || p.grew);
                if kicked {
                    break;
                }
            }
        })
    };
    let delete = {
        let (session, model) = (session.clone(), model.clone());
        Callback::from(move |_| {
            let item = model.get_mut().demo_items.pop();
            if let Some(item) = item {
                session.run_lines(&[format!("CF.DEL demo:cuckoo {item}")]);
            }
        })
    };
    let m = model.get();
    let buttons = html! {
        <div class="demo">
            <button class="cuckoo-demo" onclick={reserve}>{ tr(lang, "Demo: 8 buckets of 2 slots", "데모: 슬롯 2개짜리 버킷 8개") }</button>
            <button class="cuckoo-add" onclick={add_one}>{ tr(lang, "Add one item", "항목 하나 추가") }</button>
            <button class="cuckoo-kick" onclick={until_kick}>{ tr(lang, "Add until one is kicked", "밀어내기가 일어날 때까지 추가") }</button>
            <button class="cuckoo-del" onclick={delete} disabled={m.demo_items.is_empty()}>{ tr(lang, "Delete the last added", "마지막 추가 항목 삭제") }</button>
            <p class="muted small">{ tr(lang,
                "Each item's fingerprint may live in one of two buckets; when both are full it takes a slot and pushes the fingerprint there to that one's other bucket.",
                "각 항목의 지문은 두 버킷 중 하나에 들어갑니다. 둘 다 차면 슬롯 하나를 차지하고, 거기 있던 지문을 그 지문의 다른 버킷으로 밀어냅니다.") }</p>
        </div>
    };
    let Some(key) = m.key.clone() else {
        return html! {
            <div class="sketchp cuckoop">
                <p>{ tr(lang, "No cuckoo filter yet. Try ", "아직 Cuckoo 필터가 없습니다. 이렇게 해 보세요: ") }<code>{ "CF.ADD sessions:seen s1" }</code></p>
                { buttons }
            </div>
        };
    };
    let eng = engine();
    let eng = eng.borrow();
    let Some(cf) = eng
        .peek_cuckoo(m.db, &key)
        .filter(|c| !c.filters.is_empty())
    else {
        return html! {
            <div class="sketchp cuckoop">
                <p><b>{ show(&key) }</b>{ tr(lang, " is not a cuckoo filter now (missing, or another type).", "은(는) 지금 Cuckoo 필터가 아닙니다(없거나 다른 타입).") }</p>
                { buttons }
            </div>
        };
    };
    let bs = cf.bucket_size;
    let plan = m.plan.as_ref();
    // The sub-filter shown: the one the last insert or delete touched, else the newest.
    let fi = plan
        .and_then(|(_, p)| p.at.map(|a| a.0))
        .or(m.deleted.as_ref().map(|d| d.1))
        .unwrap_or(cf.filters.len() - 1)
        .min(cf.filters.len() - 1);
    let f = &cf.filters[fi];
    let looked = m.looked.as_ref().map(|it| cuckoo::lookup(it));
    let cand: Vec<u64> = match (plan, looked) {
        (Some((_, p)), _) if p.at.is_some_and(|a| a.0 == fi) => vec![p.buckets.0, p.buckets.1],
        (_, Some((_, h1, h2))) => vec![f.bucket_of(h1), f.bucket_of(h2)],
        _ => Vec::new(),
    };
    let kicks = plan
        .map(|(_, p)| p.kicks.clone())
        .filter(|_| !plan.is_some_and(|(_, p)| p.grew))
        .unwrap_or_default();
    let placed = plan.and_then(|(_, p)| p.at).filter(|a| a.0 == fi);
    let landed = plan.and_then(|(_, p)| Some((p.kicks.last()?.to, p.landed?)));
    let mut shown: Vec<u64> = if f.num_buckets <= DRAWN {
        (0..f.num_buckets).collect()
    } else {
        let mut v: Vec<u64> = cand.clone();
        v.extend(kicks.iter().flat_map(|k| [k.bucket, k.to]));
        v.extend(m.deleted.iter().filter(|d| d.1 == fi).map(|d| d.2));
        v.sort_unstable();
        v.dedup();
        v
    };
    shown.truncate(256);
    let rows = shown.iter().map(|&b| {
        let slots = f.slots(b, bs).iter().enumerate().map(|(s, &fp)| {
            let s = s as u16;
            let is_placed = placed.is_some_and(|p| p.1 == b && p.2 == s);
            let kick_no = kicks.iter().position(|k| k.bucket == b && k.slot == s);
            let is_landed = landed.is_some_and(|l| l == (b, s));
            let is_deleted = m.deleted.as_ref().is_some_and(|d| d.1 == fi && d.2 == b && d.3 == s);
            let class = classes!("slot", (fp == 0).then_some("empty"), is_placed.then_some("placed"),
                kick_no.is_some().then_some("kicked"), is_landed.then_some("landed"), is_deleted.then_some("deleted"));
            html! { <span {class}>{ if fp == 0 { "··".to_string() } else { format!("{fp:02x}") } }
                { for kick_no.map(|n| html! { <sup>{ n + 1 }</sup> }) }</span> }
        });
        let c = cand.contains(&b);
        html! { <div class={classes!("bucket", c.then_some("cand"))}><span class="bno">{ b }</span>{ for slots }</div> }
    });
    let path = plan.map(|(it, p)| {
        let steps = p.kicks.iter().enumerate().map(|(i, k)| html! {
            <li>{ bi(lang,
                format!("{}. takes bucket {} slot {} and pushes out {:02x} → its other bucket {}", i + 1, k.bucket, k.slot, k.fp, k.to),
                format!("{}. 버킷 {} 슬롯 {}을(를) 차지하고 {:02x}를 밀어냄 → 그 지문의 다른 버킷 {}", i + 1, k.bucket, k.slot, k.fp, k.to)) }</li>
        });
        let head = if p.exists {
            bi(lang, format!("{} {}: already there (fingerprint {:02x}), not added.", m.last_cmd, show(it), p.fp),
                format!("{} {}: 이미 있음(지문 {:02x}), 추가하지 않음.", m.last_cmd, show(it), p.fp))
        } else if p.kicks.is_empty() && !p.grew {
            bi(lang, format!("{} {}: fingerprint {:02x}, buckets {} and {}: a free slot, no kick.", m.last_cmd, show(it), p.fp, p.buckets.0, p.buckets.1),
                format!("{} {}: 지문 {:02x}, 버킷 {}와 {}: 빈 슬롯이 있어 밀어내기 없음.", m.last_cmd, show(it), p.fp, p.buckets.0, p.buckets.1))
        } else {
            bi(lang, format!("{} {}: fingerprint {:02x}, buckets {} and {} both full: relocation path", m.last_cmd, show(it), p.fp, p.buckets.0, p.buckets.1),
                format!("{} {}: 지문 {:02x}, 버킷 {}와 {} 모두 가득: 재배치 경로", m.last_cmd, show(it), p.fp, p.buckets.0, p.buckets.1))
        };
        let tail = if p.grew {
            Some(bi(lang, format!("No free slot after {} kicks: the kicks were undone and a new sub-filter took it.", p.kicks.len()),
                format!("밀어내기 {}번 뒤에도 빈 슬롯이 없어 되돌리고, 새 하위 필터에 넣었습니다.", p.kicks.len())))
        } else if p.gave_up {
            Some(bi(lang, format!("No free slot after {} kicks, and the filter may not grow: \"Filter is full\".", p.kicks.len()),
                format!("밀어내기 {}번 뒤에도 빈 슬롯이 없고 필터가 커질 수 없음: \"Filter is full\".", p.kicks.len())))
        } else {
            landed.map(|l| bi(lang, format!("…which found a free slot: bucket {} slot {}.", l.0, l.1), format!("…빈 슬롯을 찾음: 버킷 {} 슬롯 {}.", l.0, l.1)))
        };
        html! { <div class="relocation"><p>{ head }</p><ol class="path">{ for steps }</ol>{ for tail.map(|t| html! { <p class="small">{ t }</p> }) }</div> }
    });
    let deleted = m.deleted.as_ref().map(|(it, fi, b, s, fp)| html! {
        <p class="deleted-note">{ bi(lang,
            format!("CF.DEL {}: removed one fingerprint {fp:02x} from sub-filter {fi}, bucket {b}, slot {s}. Deleting an item never added could remove another item's equal fingerprint.", show(it)),
            format!("CF.DEL {}: 하위 필터 {fi}, 버킷 {b}, 슬롯 {s}에서 지문 {fp:02x} 하나를 지웠습니다. 추가한 적 없는 항목을 지우면 같은 지문의 다른 항목이 지워질 수 있습니다.", show(it))) }</p>
    });
    let looked_note = (plan.is_none() && m.deleted.is_none()).then(|| looked.zip(m.looked.as_ref())).flatten().map(|((fp, h1, h2), it)| html! {
        <p>{ bi(lang, format!("{} {}: fingerprint {fp:02x}, looked for in buckets {} and {}.", m.last_cmd, show(it), f.bucket_of(h1), f.bucket_of(h2)),
            format!("{} {}: 지문 {fp:02x}, 버킷 {}와 {}에서 찾음.", m.last_cmd, show(it), f.bucket_of(h1), f.bucket_of(h2))) }</p>
    });
    let slots_total: u64 = cf.filters.iter().map(|f| f.num_buckets * bs as u64).sum();
    html! {
        <div class="sketchp cuckoop">
            <div class="toolbar"><span><b>{ show(&key) }</b>
                { bi(lang, format!(" — {} items, {} deleted, {} sub-filter(s), {} buckets × {} slots, load {:.0}%, {} bytes", cf.num_items, cf.num_deletes, cf.filters.len(), cf.num_buckets, bs, cf.num_items as f64 / slots_total.max(1) as f64 * 100.0, cf.mem_usage()),
                    format!(" — 항목 {}개, 삭제 {}개, 하위 필터 {}개, 버킷 {} × 슬롯 {}, 적재율 {:.0}%, {}바이트", cf.num_items, cf.num_deletes, cf.filters.len(), cf.num_buckets, bs, cf.num_items as f64 / slots_total.max(1) as f64 * 100.0, cf.mem_usage())) }</span></div>
            { for m.failed.as_ref().map(|e| html! { <p class="warn small">{ e.clone() }</p> }) }
            { for path }
            { for deleted }
            { for looked_note }
            <h4>{ bi(lang, format!("Sub-filter {fi}: {} buckets{}", f.num_buckets, if f.num_buckets > DRAWN { " (the buckets of interest)" } else { "" }),
                format!("하위 필터 {fi}: 버킷 {}개{}", f.num_buckets, if f.num_buckets > DRAWN { " (관련 버킷만)" } else { "" })) }</h4>
            <div class="buckets" aria-label={tr(lang, "buckets", "버킷")}>{ for rows }</div>
            { buttons }
        </div>
    }
}
