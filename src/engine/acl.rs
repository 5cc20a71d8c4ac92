//! Users and access control, as Redis 7.0's ACL (acl.c) models them.
//!
//! **Users.** A user has flags (`on`/`off`, `nopass`, `sanitize-payload`), a list of
//! SHA-256 password hashes (hex), and a list of *selectors*. The first selector is the
//! *root* one: the rules given outside parentheses (`~key* +get`) change it. Every
//! `(...)` rule adds another selector; `clearselectors` drops all but the root. The user
//! `default` always exists; every new connection starts as it, authenticated at once when
//! it is `on` and `nopass` (Redis's `clientSetDefaultAuth`). `requirepass` is nothing but
//! the default user's password: setting it runs `resetpass >pass` (or `nopass` when empty).
//!
//! **Selectors.** A selector holds one bit per command and subcommand (ids given in the
//! command table's order, [`registry`]), plus a "future commands" bit that only `+@all`
//! sets (so the rules can be described as `+@all -x` rather than `-@all +a +b …`);
//! allowed first arguments (`+select|0`, the deprecated form for commands without
//! subcommands); key patterns, each with read and/or write permission (`~p` both, `%R~p`,
//! `%W~p`, `%RW~p` is `~p`); channel patterns (`&p`); and the flags `allkeys`,
//! `allchannels`, `allcommands`. `+@cat`/`-@cat` set the bits of every command in the
//! category (a container's bit carries its subcommands along, as ACLChangeSelectorPerm
//! does); module commands are outside every category, as in Redis 7.0.
//!
//! **How a command is checked** (ACLCheckAllUserCommandPerm): each selector in turn
//! must allow all of it: (1) the command bit (or an allowed first argument; commands
//! flagged `no_auth` always pass), (2) every key the command names, found from its key
//! specs with their flags: a key spec with `ACCESS` needs read permission, one with
//! `INSERT`, `DELETE` or `UPDATE` needs write permission (SET and BITFIELD decide by
//! their arguments, SORT finds STORE itself), and a pattern only serves when it grants
//! all of what is needed, (3) every channel of PUBLISH/SPUBLISH/SUBSCRIBE/SSUBSCRIBE
//! (glob-matched) and PSUBSCRIBE (the pattern compared literally). The first selector
//! that allows everything lets the command run; otherwise the error reported is the
//! "worst" one seen (command < key < channel, then the later argument), and an entry goes
//! to the ACL log.
//!
//! **Describing rules** (ACL LIST, GETUSER, SAVE) follows ACLDescribeSelectorCommandRules:
//! start from `+@all` or `-@all` (by the future bit), then repeatedly apply the category
//! that best fits the remaining bit differences, then fix the rest command by command.
//! Redis walks its command dict, whose order depends on a hash seed drawn at start, so
//! the order of the single-command rules it prints changes from one run to the next; we
//! walk the command table in its fixed order. To fit categories as Redis does, the
//! category counts run over Redis 7.0.15's whole command list: the few commands KV Lab
//! does not implement (DUMP, SAVE, CLIENT KILL …) are known here by name and categories
//! ([`PHANTOMS`]) so that `+@all -@dangerous` and the like describe as Redis describes them.
//!
//! **The log** keeps the last `acllog-max-len` refusals, newest first; a refusal like a
//! recent one (same reason, context, object and user, within 60 s) bumps its count.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::OnceLock;

use super::table::{self, CommandSpec, Flags};
use super::util::glob_match;

/// The categories in Redis's order (ACL CAT, COMMAND INFO).
pub const CATEGORIES: [&str; 21] = [
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// Redis 7.0.15 commands KV Lab does not implement, with their categories: they count
/// when rules are described (and can be named in rules), but cannot run.
pub const PHANTOMS: &[(&str, &str)] = &[
    ("asking", "fast connection"),
    ("bgrewriteaof", "admin slow dangerous"),
    ("bgsave", "admin slow dangerous"),
    ("client|caching", "slow connection"),
    ("client|getredir", "slow connection"),
    ("client|kill", "admin slow dangerous connection"),
    ("client|no-evict", "admin slow dangerous connection"),
    ("client|pause", "admin slow dangerous connection"),
    ("client|tracking", "slow connection"),
    ("client|trackinginfo", "slow connection"),
    ("client|unpause", "admin slow dangerous connection"),
    ("command|getkeysandflags", "slow connection"),
    ("dump", "keyspace read slow"),
    ("failover", "admin slow dangerous"),
    ("lastsave", "admin fast dangerous"),
    ("lolwut", "read fast"),
    ("migrate", "keyspace write slow dangerous"),
    ("module", "slow"),
    ("module|help", "slow"),
    ("module|list", "admin slow dangerous"),
    ("module|load", "admin slow dangerous"),
    ("module|loadex", "admin slow dangerous"),
    ("module|unload", "admin slow dangerous"),
    ("psync", "admin slow dangerous"),
    ("readonly", "fast connection"),
    ("readwrite", "fast connection"),
    ("replconf", "admin slow dangerous"),
    ("replicaof", "admin slow dangerous"),
    ("restore", "keyspace write slow dangerous"),
    ("restore-asking", "keyspace write slow dangerous"),
    ("role", "admin fast dangerous"),
    ("save", "admin slow dangerous"),
    ("shutdown", "admin slow dangerous"),
    ("slaveof", "admin slow dangerous"),
    ("sync", "admin slow dangerous"),
    ("wait", "slow connection"),
];

fn category_bit(name: &str) -> Option<u32> {
    CATEGORIES
        .iter()
        .position(|c| c.eq_ignore_ascii_case(name))
        .map(|i| 1 << i)
}

fn category_mask(words: &str) -> u32 {
    words
        .split_whitespace()
        .filter_map(|w| category_bit(w.trim_start_matches('@')))
        .fold(0, |a, b| a | b)
}

/// One command or subcommand as ACL sees it.
pub struct AclCmd {
    /// `get`, `config|get`.
    pub full: String,
    pub cats: u32,
    pub module: bool,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// None for a phantom (a Redis command KV Lab lacks).
    pub spec: Option<&'static CommandSpec>,
}

/// Every command with its ACL id.
pub struct Registry {
    pub cmds: Vec<AclCmd>,
    /// Top-level commands in walking order.
    pub top: Vec<usize>,
    by_name: HashMap<String, usize>,
    by_key: HashMap<(Option<&'static str>, &'static str), usize>,
}

impl Registry {
    /// ACLLookupCommand: `name` or `container|sub`, any case.
    pub fn lookup(&self, name: &[u8]) -> Option<usize> {
        let text = std::str::from_utf8(name).ok()?.to_ascii_lowercase();
        self.by_name.get(&text).copied()
    }
    pub fn id_of(&self, spec: &CommandSpec) -> Option<usize> {
        self.by_key.get(&spec.key()).copied()
    }
    fn words(&self) -> usize {
        self.cmds.len().div_ceil(64)
    }
}

pub fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(|| {
        let mut r = Registry {
            cmds: Vec::new(),
            top: Vec::new(),
            by_name: HashMap::new(),
            by_key: HashMap::new(),
        };
        fn add(
            r: &mut Registry,
            full: String,
            cats: u32,
            module: bool,
            parent: Option<usize>,
            spec: Option<&'static CommandSpec>,
        ) -> usize {
            let id = r.cmds.len();
            r.by_name.insert(full.clone(), id);
            if let Some(s) = spec {
                r.by_key.insert(s.key(), id);
            }
            r.cmds.push(AclCmd {
                full,
                cats,
                module,
                parent,
                children: Vec::new(),
                spec,
            });
            match parent {
                Some(p) => r.cmds[p].children.push(id),
                None => r.top.push(id),
            }
            id
        }
        for spec in table::commands() {
            let cats = category_mask(&spec.acl_categories().join(" "));
            let module = spec.flags.contains(Flags::MODULE);
            let id = add(&mut r, spec.full_name(), cats, module, None, Some(spec));
            for sub in spec.subcommands {
                let cats = category_mask(&sub.acl_categories().join(" "));
                add(&mut r, sub.full_name(), cats, module, Some(id), Some(sub));
            }
        }
        for (name, cats) in PHANTOMS {
            if r.by_name.contains_key(*name) {
                continue;
            }
            let parent = match name.split_once('|') {
                Some((top, _)) => match r.by_name.get(top) {
                    Some(&p) => Some(p),
                    None => continue,
                },
                None => None,
            };
            add(
                &mut r,
                name.to_string(),
                category_mask(cats),
                false,
                parent,
                None,
            );
        }
        r
    })
}

// Selector flags.
pub const SEL_ROOT: u8 = 1;
pub const SEL_ALLKEYS: u8 = 2;
pub const SEL_ALLCOMMANDS: u8 = 4;
pub const SEL_ALLCHANNELS: u8 = 8;

// Key permissions.
pub const PERM_READ: u8 = 1;
pub const PERM_WRITE: u8 = 2;
pub const PERM_ALL: u8 = 3;

// User flags, in the order ACL LIST shows them.
pub const USER_ENABLED: u8 = 1;
pub const USER_DISABLED: u8 = 2;
pub const USER_NOPASS: u8 = 4;
pub const USER_SKIP_SANITIZE: u8 = 8;
pub const USER_SANITIZE: u8 = 16;
const USER_FLAG_NAMES: [(u8, &str); 5] = [
    (USER_ENABLED, "on"),
    (USER_DISABLED, "off"),
    (USER_NOPASS, "nopass"),
    (USER_SKIP_SANITIZE, "skip-sanitize-payload"),
    (USER_SANITIZE, "sanitize-payload"),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPattern {
    pub perm: u8,
    pub pattern: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    pub flags: u8,
    bits: Vec<u64>,
    /// The reserved bit `+@all` sets: future (module) commands allowed.
    future: bool,
    /// Allowed first arguments of otherwise refused commands, by command id.
    firstargs: BTreeMap<usize, Vec<Vec<u8>>>,
    pub patterns: Vec<KeyPattern>,
    pub channels: Vec<Vec<u8>>,
}

/// Why a rule was refused (errno in ACLSetUser).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleError {
    NoEnt,
    Inval,
    Exist,
    IsDir,
    NoDev,
    BadMsg,
    Child,
}

impl RuleError {
    pub fn message(self) -> &'static str {
        match self {
            RuleError::NoEnt => "Unknown command or category name in ACL",
            RuleError::Inval => "Syntax error",
            RuleError::Exist => "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
            RuleError::IsDir => "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
            RuleError::NoDev => "The password you are trying to remove from the user does not exist",
            RuleError::BadMsg => "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
            RuleError::Child => "Allowing first-arg of a subcommand is not supported",
        }
    }
}

fn has_spaces(s: &[u8]) -> bool {
    s.iter()
        .any(|&c| c == 0 || matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
}

fn eq_nocase(a: &[u8], b: &str) -> bool {
    a.eq_ignore_ascii_case(b.as_bytes())
}

impl Selector {
    pub fn new(flags: u8) -> Selector {
        Selector {
            flags,
            bits: vec![0; registry().words()],
            future: false,
            firstargs: BTreeMap::new(),
            patterns: Vec::new(),
            channels: Vec::new(),
        }
    }

    pub fn bit(&self, id: usize) -> bool {
        self.bits
            .get(id / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    fn set_bit(&mut self, id: usize, on: bool) {
        if let Some(w) = self.bits.get_mut(id / 64) {
            if on {
                *w |= 1 << (id % 64);
            } else {
                *w &= !(1 << (id % 64));
                self.flags &= !SEL_ALLCOMMANDS;
            }
        }
    }

    /// ACLChangeSelectorPerm: a command and, for a container, all its subcommands.
    fn change_perm(&mut self, id: usize, on: bool) {
        let reg = registry();
        self.set_bit(id, on);
        self.firstargs.remove(&id);
        for &c in &reg.cmds[id].children {
            self.set_bit(c, on);
        }
    }

    fn set_category(&mut self, cat: u32, on: bool) {
        let reg = registry();
        fn walk(sel: &mut Selector, reg: &Registry, ids: &[usize], cat: u32, on: bool) {
            for &id in ids {
                let c = &reg.cmds[id];
                if c.module {
                    continue;
                }
                if c.cats & cat != 0 {
                    sel.change_perm(id, on);
                }
                if !c.children.is_empty() {
                    walk(sel, reg, &c.children, cat, on);
                }
            }
        }
        walk(self, reg, &reg.top, cat, on);
    }

    fn count_category(&self, cat: u32) -> (u64, u64) {
        let (mut on, mut off) = (0, 0);
        for (id, c) in registry().cmds.iter().enumerate() {
            if c.cats & cat != 0 {
                if self.bit(id) {
                    on += 1;
                } else {
                    off += 1;
                }
            }
        }
        (on, off)
    }

    fn all_commands(&mut self, on: bool) {
        for w in &mut self.bits {
            *w = if on { u64::MAX } else { 0 };
        }
        self.future = on;
        if on {
            self.flags |= SEL_ALLCOMMANDS;
        } else {
            self.flags &= !SEL_ALLCOMMANDS;
        }
        self.firstargs.clear();
    }

    /// ACLSetSelector: one rule about commands, keys or channels.
    pub fn apply(&mut self, op: &[u8]) -> Result<(), RuleError> {
        let reg = registry();
        if eq_nocase(op, "allkeys") || op == b"~*" {
            self.flags |= SEL_ALLKEYS;
            self.patterns.clear();
        } else if eq_nocase(op, "resetkeys") {
            self.flags &= !SEL_ALLKEYS;
            self.patterns.clear();
        } else if eq_nocase(op, "allchannels") || op == b"&*" {
            self.flags |= SEL_ALLCHANNELS;
            self.channels.clear();
        } else if eq_nocase(op, "resetchannels") {
            self.flags &= !SEL_ALLCHANNELS;
            self.channels.clear();
        } else if eq_nocase(op, "allcommands") || eq_nocase(op, "+@all") {
            self.all_commands(true);
        } else if eq_nocase(op, "nocommands") || eq_nocase(op, "-@all") {
            self.all_commands(false);
        } else if op[0] == b'~' || op[0] == b'%' {
            if self.flags & SEL_ALLKEYS != 0 {
                return Err(RuleError::Exist);
            }
            let mut perm = 0;
            let mut offset = 1;
            if op[0] == b'%' {
                while offset < op.len() {
                    let c = op[offset];
                    if c.eq_ignore_ascii_case(&b'r') && perm & PERM_READ == 0 {
                        perm |= PERM_READ;
                    } else if c.eq_ignore_ascii_case(&b'w') && perm & PERM_WRITE == 0 {
                        perm |= PERM_WRITE;
                    } else if c == b'~' {
                        offset += 1;
                        break;
                    } else {
                        return Err(RuleError::Inval);
                    }
                    offset += 1;
                }
                // (Redis 7.0 accepts `%~p` with no permission and later aborts
                // describing it; we refuse it.)
                if perm == 0 {
                    return Err(RuleError::Inval);
                }
            } else {
                perm = PERM_ALL;
            }
            let pattern = &op[offset.min(op.len())..];
            if has_spaces(pattern) {
                return Err(RuleError::Inval);
            }
            match self.patterns.iter_mut().find(|p| p.pattern == pattern) {
                Some(p) => p.perm |= perm,
                None => self.patterns.push(KeyPattern {
                    perm,
                    pattern: pattern.to_vec(),
                }),
            }
            self.flags &= !SEL_ALLKEYS;
        } else if op[0] == b'&' {
            if self.flags & SEL_ALLCHANNELS != 0 {
                return Err(RuleError::IsDir);
            }
            let pattern = &op[1..];
            if has_spaces(pattern) {
                return Err(RuleError::Inval);
            }
            if !self.channels.iter().any(|c| c == pattern) {
                self.channels.push(pattern.to_vec());
            }
            self.flags &= !SEL_ALLCHANNELS;
        } else if op[0] == b'+' && op.get(1) != Some(&b'@') {
            let name = &op[1..];
            match name.iter().rposition(|&c| c == b'|') {
                None => {
                    let id = reg.lookup(name).ok_or(RuleError::NoEnt)?;
                    self.change_perm(id, true);
                }
                Some(bar) => {
                    let (base, sub) = (&name[..bar], &name[bar + 1..]);
                    let id = reg.lookup(base).ok_or(RuleError::NoEnt)?;
                    if reg.cmds[id].parent.is_some() {
                        return Err(RuleError::Child);
                    }
                    if sub.is_empty() {
                        return Err(RuleError::Inval);
                    }
                    if !reg.cmds[id].children.is_empty() {
                        let sid = reg.lookup(name).ok_or(RuleError::NoEnt)?;
                        self.change_perm(sid, true);
                    } else {
                        let list = self.firstargs.entry(id).or_default();
                        if !list.iter().any(|a| a.eq_ignore_ascii_case(sub)) {
                            list.push(sub.to_vec());
                        }
                    }
                }
            }
        } else if op[0] == b'-' && op.get(1) != Some(&b'@') {
            let id = reg.lookup(&op[1..]).ok_or(RuleError::NoEnt)?;
            self.change_perm(id, false);
        } else if (op[0] == b'+' || op[0] == b'-') && op.get(1) == Some(&b'@') {
            let cat = std::str::from_utf8(&op[2..])
                .ok()
                .and_then(category_bit)
                .ok_or(RuleError::NoEnt)?;
            self.set_category(cat, op[0] == b'+');
        } else {
            return Err(RuleError::Inval);
        }
        Ok(())
    }

    /// ACLDescribeSelectorCommandRules: `+@all`/`-@all`, the best-fitting categories,
    /// then single commands, so that applying the text rebuilds the same bits.
    pub fn describe_commands(&self) -> String {
        let reg = registry();
        let mut rules = String::new();
        let mut fake = Selector::new(0);
        let additive = !self.future;
        if additive {
            rules.push_str("-@all ");
            fake.all_commands(false);
        } else {
            rules.push_str("+@all ");
            fake.all_commands(true);
        }
        let mut temp = Selector::new(0);
        temp.bits = self.bits.clone();
        let mut applied = [false; CATEGORIES.len()];
        loop {
            let mut best = None;
            let (mut mindiff, mut maxsame) = (u64::MAX, 0);
            for (j, done) in applied.iter().enumerate() {
                if *done {
                    continue;
                }
                let (on, off) = temp.count_category(1 << j);
                let (diff, same) = if additive { (off, on) } else { (on, off) };
                if same > diff && (diff < mindiff || (diff == mindiff && same > maxsame)) {
                    best = Some(j);
                    mindiff = diff;
                    maxsame = same;
                }
            }
            let Some(j) = best else { break };
            fake.set_category(1 << j, additive);
            temp.set_category(1 << j, !additive);
            rules.push_str(if additive { "+@" } else { "-@" });
            rules.push_str(CATEGORIES[j]);
            rules.push(' ');
            applied[j] = true;
        }
        fn singles(
            sel: &Selector,
            fake: &mut Selector,
            reg: &Registry,
            ids: &[usize],
            rules: &mut String,
        ) {
            for &id in ids {
                let c = &reg.cmds[id];
                let userbit = sel.bit(id);
                if userbit != fake.bit(id) {
                    rules.push(if userbit { '+' } else { '-' });
                    rules.push_str(&c.full);
                    rules.push(' ');
                    fake.change_perm(id, userbit);
                }
                if !c.children.is_empty() {
                    singles(sel, fake, reg, &c.children, rules);
                }
                if !userbit {
                    if let Some(args) = sel.firstargs.get(&id) {
                        for a in args {
                            rules.push('+');
                            rules.push_str(&c.full);
                            rules.push('|');
                            rules.push_str(&String::from_utf8_lossy(a));
                            rules.push(' ');
                        }
                    }
                }
            }
        }
        singles(self, &mut fake, reg, &reg.top, &mut rules);
        rules.pop();
        rules
    }

    /// The key patterns as GETUSER shows them (`~*`, or `%R~a ~b`).
    pub fn describe_keys(&self) -> String {
        if self.flags & SEL_ALLKEYS != 0 {
            return "~*".into();
        }
        self.patterns
            .iter()
            .map(pattern_text)
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn describe_channels(&self) -> String {
        if self.flags & SEL_ALLCHANNELS != 0 {
            return "&*".into();
        }
        self.channels
            .iter()
            .map(|c| format!("&{}", String::from_utf8_lossy(c)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// ACLDescribeSelector: keys, channels and command rules, as ACL LIST shows them.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        if self.flags & SEL_ALLKEYS != 0 {
            s.push_str("~* ");
        } else {
            for p in &self.patterns {
                s.push_str(&pattern_text(p));
                s.push(' ');
            }
        }
        if self.flags & SEL_ALLCHANNELS != 0 {
            s.push_str("&* ");
        } else {
            s.push_str("resetchannels ");
            for c in &self.channels {
                s.push('&');
                s.push_str(&String::from_utf8_lossy(c));
                s.push(' ');
            }
        }
        s.push_str(&self.describe_commands());
        s
    }

    fn check_key(&self, key: &[u8], need: u8) -> bool {
        if self.flags & SEL_ALLKEYS != 0 {
            return true;
        }
        self.patterns
            .iter()
            .any(|p| p.perm & need == need && glob_match(&p.pattern, key, false))
    }

    /// ACLSelectorCheckCmd.
    fn check(
        &self,
        id: usize,
        spec: &CommandSpec,
        argv: &[Vec<u8>],
        keys: &mut Option<Vec<(usize, u8)>>,
    ) -> Result<(), Denied> {
        if self.flags & SEL_ALLCOMMANDS == 0
            && !spec.flags.contains(Flags::NO_AUTH)
            && !self.bit(id)
        {
            let idx = if spec.container.is_some() { 2 } else { 1 };
            let ok = argv.len() >= 2
                && self.firstargs.get(&id).is_some_and(|args| {
                    argv.get(idx)
                        .is_some_and(|a| args.iter().any(|x| x.eq_ignore_ascii_case(a)))
                });
            if !ok {
                return Err(Denied::Command);
            }
        }
        if self.flags & SEL_ALLKEYS == 0 {
            let keys = keys.get_or_insert_with(|| keys_with_perms(spec, argv));
            for &(pos, need) in keys.iter() {
                if !self.check_key(&argv[pos], need) {
                    return Err(Denied::Key(pos));
                }
            }
        }
        if self.flags & SEL_ALLCHANNELS == 0 {
            for (pos, pattern) in channels_of(spec, argv) {
                if !channel_allowed(&self.channels, &argv[pos], pattern) {
                    return Err(Denied::Channel(pos));
                }
            }
        }
        Ok(())
    }
}

fn pattern_text(p: &KeyPattern) -> String {
    let prefix = match p.perm {
        PERM_READ => "%R~",
        PERM_WRITE => "%W~",
        _ => "~",
    };
    format!("{prefix}{}", String::from_utf8_lossy(&p.pattern))
}

/// ACLCheckChannelAgainstList: a channel name is glob-matched, a subscribed pattern is
/// compared literally.
fn channel_allowed(list: &[Vec<u8>], channel: &[u8], is_pattern: bool) -> bool {
    list.iter().any(|p| {
        if is_pattern {
            p == channel
        } else {
            glob_match(p, channel, false)
        }
    })
}

/// The channel arguments ACL checks (publish and subscribe; unsubscribing is free):
/// (position, is a pattern).
fn channels_of(spec: &CommandSpec, argv: &[Vec<u8>]) -> Vec<(usize, bool)> {
    if spec.container.is_some() {
        return Vec::new();
    }
    match spec.name {
        "subscribe" | "ssubscribe" => (1..argv.len()).map(|i| (i, false)).collect(),
        "psubscribe" => (1..argv.len()).map(|i| (i, true)).collect(),
        "publish" | "spublish" if argv.len() > 1 => vec![(1, false)],
        _ => Vec::new(),
    }
}

fn perm_of(flags: &str) -> u8 {
    let mut p = 0;
    for w in flags.split_whitespace() {
        match w {
            "ACCESS" => p |= PERM_READ,
            "INSERT" | "DELETE" | "UPDATE" => p |= PERM_WRITE,
            _ => {}
        }
    }
    p
}

/// The keys of a command with the permission each needs (getKeysFromCommandWithSpecs):
/// the key specs when they are reliable, else the command's own finder.
pub fn keys_with_perms(spec: &CommandSpec, argv: &[Vec<u8>]) -> Vec<(usize, u8)> {
    let specs = spec.key_specs();
    if specs.is_empty() {
        return Vec::new();
    }
    let variable = specs.iter().any(|s| s.flags.contains("VARIABLE_FLAGS"));
    if !variable {
        if let Some(k) = keys_by_specs(&specs, argv) {
            return k;
        }
    }
    let eq = |a: &[u8], w: &str| a.eq_ignore_ascii_case(w.as_bytes());
    let argc = argv.len();
    match (spec.container, spec.name) {
        (None, "sort") => {
            let mut keys = vec![(1, PERM_READ)];
            keys.extend(table::sort_store_key(argv).map(|s| (s, PERM_WRITE)));
            keys
        }
        (None, "sort_ro") => vec![(1, PERM_READ)],
        (None, "migrate") => table::migrate_keys(argv)
            .into_iter()
            .map(|i| (i, perm_of("RW ACCESS DELETE")))
            .collect(),
        (None, "set") if argc > 1 => {
            let get = argv[3.min(argc)..].iter().any(|a| eq(a, "get"));
            vec![(1, if get { PERM_ALL } else { PERM_WRITE })]
        }
        (None, "bitfield") if argc > 1 => {
            let readonly = super::table::bitfield_readonly(argv);
            vec![(1, if readonly { PERM_READ } else { PERM_ALL })]
        }
        _ => Vec::new(),
    }
}

/// getKeysUsingKeySpecs with each key's flags; None when a spec does not fit the
/// arguments (then Redis's own key finders give no keys for a malformed call).
fn keys_by_specs(specs: &[table::KeySpec], argv: &[Vec<u8>]) -> Option<Vec<(usize, u8)>> {
    let keys = table::spec_keys(specs, argv)?;
    if keys.iter().any(|(_, s)| s.flags.contains("INCOMPLETE")) {
        return None;
    }
    Some(
        keys.into_iter()
            .map(|(i, s)| (i, perm_of(s.flags)))
            .collect(),
    )
}

/// Why a command was refused, with the argument at fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    Command,
    Key(usize),
    Channel(usize),
}

impl Denied {
    fn rank(self) -> (u8, usize) {
        match self {
            Denied::Command => (1, 0),
            Denied::Key(i) => (2, i),
            Denied::Channel(i) => (4, i),
        }
    }
    /// The reason ACL LOG shows.
    pub fn reason(self) -> Reason {
        match self {
            Denied::Command => Reason::Command,
            Denied::Key(_) => Reason::Key,
            Denied::Channel(_) => Reason::Channel,
        }
    }
    /// processCommand's refusal.
    pub fn error(self, spec: &CommandSpec) -> String {
        match self {
            Denied::Command => format!(
                "NOPERM this user has no permissions to run the '{}' command",
                spec.full_name()
            ),
            Denied::Key(_) => {
                "NOPERM this user has no permissions to access one of the keys used as arguments".into()
            }
            Denied::Channel(_) => "NOPERM this user has no permissions to access one of the channels used as arguments".into(),
        }
    }
    /// getAclErrorMessage (scripts).
    pub fn script_message(self) -> &'static str {
        match self {
            Denied::Command => "can't run this command or subcommand",
            Denied::Key(_) => {
                "can't access at least one of the keys mentioned in the command arguments"
            }
            Denied::Channel(_) => "can't publish to the channel mentioned in the command",
        }
    }
    /// EXEC's reason when the rules changed after queueing.
    pub fn exec_reason(self) -> &'static str {
        match self {
            Denied::Command => "no permission to execute the command or subcommand",
            Denied::Key(_) => "no permission to touch the specified keys",
            Denied::Channel(_) => "no permission to access one of the channels used as arguments",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: Vec<u8>,
    pub flags: u8,
    /// SHA-256 hashes, hex.
    pub passwords: Vec<String>,
    /// The root selector first.
    pub selectors: Vec<Selector>,
}

/// SHA-256 of a password, in lower-case hex (ACLHashPassword).
pub fn hash_password(p: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(p);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn valid_hash(h: &[u8]) -> bool {
    h.len() == 64 && h.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

impl User {
    pub fn new(name: &[u8], pubsub_default: u8) -> User {
        User {
            name: name.to_vec(),
            flags: USER_DISABLED,
            passwords: Vec::new(),
            selectors: vec![Selector::new(SEL_ROOT | pubsub_default)],
        }
    }

    /// The default user: `on nopass ~* &* +@all`.
    pub fn default_user() -> User {
        let mut u = User::new(b"default", 0);
        for op in ["+@all", "~*", "&*", "on", "nopass"] {
            let _ = u.apply(op.as_bytes(), 0);
        }
        u
    }

    pub fn root(&self) -> &Selector {
        &self.selectors[0]
    }

    pub fn enabled(&self) -> bool {
        self.flags & USER_DISABLED == 0 && self.flags & USER_ENABLED != 0
    }

    /// ACLSetUser: one rule. `pubsub_default` is SEL_ALLCHANNELS when
    /// `acl-pubsub-default` is `allchannels`.
    pub fn apply(&mut self, op: &[u8], pubsub_default: u8) -> Result<(), RuleError> {
        if op.is_empty() {
            return Ok(());
        }
        if eq_nocase(op, "on") {
            self.flags = (self.flags | USER_ENABLED) & !USER_DISABLED;
        } else if eq_nocase(op, "off") {
            self.flags = (self.flags | USER_DISABLED) & !USER_ENABLED;
        } else if eq_nocase(op, "skip-sanitize-payload") {
            self.flags = (self.flags | USER_SKIP_SANITIZE) & !USER_SANITIZE;
        } else if eq_nocase(op, "sanitize-payload") {
            self.flags = (self.flags | USER_SANITIZE) & !USER_SKIP_SANITIZE;
        } else if eq_nocase(op, "nopass") {
            self.flags |= USER_NOPASS;
            self.passwords.clear();
        } else if eq_nocase(op, "resetpass") {
            self.flags &= !USER_NOPASS;
            self.passwords.clear();
        } else if op[0] == b'>' || op[0] == b'#' {
            let hash = if op[0] == b'>' {
                hash_password(&op[1..])
            } else {
                if !valid_hash(&op[1..]) {
                    return Err(RuleError::BadMsg);
                }
                String::from_utf8_lossy(&op[1..]).into_owned()
            };
            if !self.passwords.contains(&hash) {
                self.passwords.push(hash);
            }
            self.flags &= !USER_NOPASS;
        } else if op[0] == b'<' || op[0] == b'!' {
            let hash = if op[0] == b'<' {
                hash_password(&op[1..])
            } else {
                if !valid_hash(&op[1..]) {
                    return Err(RuleError::BadMsg);
                }
                String::from_utf8_lossy(&op[1..]).into_owned()
            };
            match self.passwords.iter().position(|p| *p == hash) {
                Some(i) => {
                    self.passwords.remove(i);
                }
                None => return Err(RuleError::NoDev),
            }
        } else if op[0] == b'(' && op[op.len() - 1] == b')' {
            let mut sel = Selector::new(pubsub_default);
            let inner = &op[1..op.len() - 1];
            for word in inner.split(|c| *c == b' ').filter(|w| !w.is_empty()) {
                sel.apply(word)?;
            }
            self.selectors.push(sel);
        } else if eq_nocase(op, "clearselectors") {
            self.selectors.truncate(1);
        } else if eq_nocase(op, "reset") {
            for o in ["resetpass", "resetkeys", "resetchannels"] {
                let _ = self.apply(o.as_bytes(), pubsub_default);
            }
            if pubsub_default & SEL_ALLCHANNELS != 0 {
                let _ = self.apply(b"allchannels", pubsub_default);
            }
            for o in ["off", "sanitize-payload", "clearselectors", "-@all"] {
                let _ = self.apply(o.as_bytes(), pubsub_default);
            }
        } else {
            self.selectors[0].apply(op)?;
        }
        Ok(())
    }

    /// ACLDescribeUser: the rules after `user <name> ` in ACL LIST and the ACL file.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        for (bit, name) in USER_FLAG_NAMES {
            if self.flags & bit != 0 {
                s.push_str(name);
                s.push(' ');
            }
        }
        for p in &self.passwords {
            s.push('#');
            s.push_str(p);
            s.push(' ');
        }
        for (i, sel) in self.selectors.iter().enumerate() {
            if i == 0 {
                s.push_str(&sel.describe());
            } else {
                s.push_str(&format!(" ({})", sel.describe()));
            }
        }
        s
    }

    pub fn flag_names(&self) -> Vec<&'static str> {
        USER_FLAG_NAMES
            .iter()
            .filter(|(b, _)| self.flags & b != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    /// ACLCheckUserCredentials.
    pub fn password_ok(&self, password: &[u8]) -> bool {
        if self.flags & USER_DISABLED != 0 {
            return false;
        }
        if self.flags & USER_NOPASS != 0 {
            return true;
        }
        let h = hash_password(password);
        self.passwords.contains(&h)
    }

    /// Whether every selector allows everything (the default user's usual state).
    pub fn unrestricted(&self) -> bool {
        let all = SEL_ALLCOMMANDS | SEL_ALLKEYS | SEL_ALLCHANNELS;
        self.selectors.iter().any(|s| s.flags & all == all)
    }

    /// ACLCheckAllUserCommandPerm.
    pub fn check(&self, spec: &CommandSpec, argv: &[Vec<u8>]) -> Result<(), Denied> {
        if self.unrestricted() {
            return Ok(());
        }
        let Some(id) = registry().id_of(spec) else {
            return Ok(());
        };
        let mut keys = None;
        let mut worst = Denied::Command;
        for sel in &self.selectors {
            match sel.check(id, spec, argv, &mut keys) {
                Ok(()) => return Ok(()),
                Err(d) => {
                    if d.rank() > worst.rank() {
                        worst = d;
                    }
                }
            }
        }
        Err(worst)
    }

    /// Whether a channel (or, subscribed as a pattern, a pattern) passes some selector
    /// (ACLUserCheckChannelPerm).
    pub fn channel_ok(&self, channel: &[u8], is_pattern: bool) -> bool {
        self.selectors.iter().any(|s| {
            s.flags & SEL_ALLCHANNELS != 0 || channel_allowed(&s.channels, channel, is_pattern)
        })
    }
}

/// Why a log entry was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Command,
    Key,
    Auth,
    Channel,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::Command => "command",
            Reason::Key => "key",
            Reason::Auth => "auth",
            Reason::Channel => "channel",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Toplevel,
    Lua,
    Multi,
}

impl Context {
    pub fn name(self) -> &'static str {
        match self {
            Context::Toplevel => "toplevel",
            Context::Lua => "lua",
            Context::Multi => "multi",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub count: u64,
    pub reason: Reason,
    pub context: Context,
    pub object: Vec<u8>,
    pub username: Vec<u8>,
    /// When it last happened (ms).
    pub ctime: i64,
    pub client_info: String,
}

/// Where ACL LOAD and ACL SAVE read and write the `aclfile` (the native server gives
/// the file system; the browser has none).
pub trait AclStore {
    /// The file's text, or Redis's "Error loading ACLs, opening file …" message.
    fn read(&mut self, path: &str) -> Result<String, String>;
    fn write(&mut self, path: &str, text: &str) -> Result<(), String>;
}

/// Every user, the log, and the store for the ACL file.
pub struct Acl {
    /// By name, in byte order (the rax's order, which ACL LIST and USERS follow).
    pub users: BTreeMap<Vec<u8>, User>,
    /// Newest first.
    pub log: VecDeque<LogEntry>,
    pub store: Option<Box<dyn AclStore>>,
}

impl Default for Acl {
    fn default() -> Self {
        let mut users = BTreeMap::new();
        users.insert(b"default".to_vec(), User::default_user());
        Acl {
            users,
            log: VecDeque::new(),
            store: None,
        }
    }
}

/// How far apart (ms) two similar refusals may be to share a log entry.
const LOG_GROUPING_MS: i64 = 60_000;

impl Acl {
    pub fn default_user(&self) -> &User {
        &self.users[&b"default"[..]]
    }

    /// Whether a client that has not authenticated must (authRequired).
    pub fn auth_required(&self) -> bool {
        let d = self.default_user();
        d.flags & USER_NOPASS == 0 || d.flags & USER_DISABLED != 0
    }

    /// `requirepass`: the default user's password (None: nopass).
    pub fn set_requirepass(&mut self, password: Option<&[u8]>) {
        if let Some(d) = self.users.get_mut(&b"default"[..]) {
            let _ = d.apply(b"resetpass", 0);
            match password {
                Some(p) => {
                    let mut op = b">".to_vec();
                    op.extend_from_slice(p);
                    let _ = d.apply(&op, 0);
                }
                None => {
                    let _ = d.apply(b"nopass", 0);
                }
            }
        }
    }

    /// ACLStringSetUser: all rules applied to a copy, kept only if every one is valid.
    /// Selector rules spread over several arguments are joined first.
    pub fn set_user(
        &mut self,
        name: &[u8],
        ops: &[Vec<u8>],
        pubsub_default: u8,
    ) -> Result<(), String> {
        let ops = merge_selector_args(ops).map_err(|at| {
            format!(
                "Unmatched parenthesis in acl selector starting at '{}'.",
                String::from_utf8_lossy(at)
            )
        })?;
        let mut user = match self.users.get(name) {
            Some(u) => u.clone(),
            None => User::new(name, pubsub_default),
        };
        for op in &ops {
            if let Err(e) = user.apply(op, pubsub_default) {
                return Err(format!(
                    "Error in ACL SETUSER modifier '{}': {}",
                    String::from_utf8_lossy(op),
                    e.message()
                ));
            }
        }
        self.users.insert(name.to_vec(), user);
        Ok(())
    }

    /// addACLLogEntry's grouping and trimming.
    pub fn add_log(&mut self, entry: LogEntry, max_len: usize) {
        let found = self.log.iter().take(10).position(|e| {
            e.reason == entry.reason
                && e.context == entry.context
                && (e.ctime - entry.ctime).abs() <= LOG_GROUPING_MS
                && e.object == entry.object
                && e.username == entry.username
        });
        match found {
            Some(i) => {
                if let Some(mut e) = self.log.remove(i) {
                    e.count += 1;
                    e.ctime = entry.ctime;
                    e.client_info = entry.client_info;
                    self.log.push_front(e);
                }
            }
            None => {
                self.log.push_front(entry);
                self.log.truncate(max_len);
            }
        }
    }

    /// ACLLoadConfiguredUsers: `user <name> <rules…>` given at startup (the server's
    /// `--user` flags). The default user, if named, is reset first.
    pub fn load_configured_users(
        &mut self,
        lines: &[Vec<Vec<u8>>],
        pubsub_default: u8,
    ) -> Result<(), String> {
        for line in lines {
            let Some((name, rules)) = line.split_first() else {
                continue;
            };
            if has_spaces(name) {
                return Err("Spaces not allowed in ACL usernames".into());
            }
            let rules = merge_selector_args(rules).map_err(|at| {
                format!(
                    "Unmatched parenthesis in acl selector starting at '{}'.",
                    String::from_utf8_lossy(at)
                )
            })?;
            let user = self
                .users
                .entry(name.clone())
                .or_insert_with(|| User::new(name, pubsub_default));
            if name == b"default" {
                let _ = user.apply(b"reset", pubsub_default);
            }
            for r in &rules {
                user.apply(r, pubsub_default).map_err(|e| {
                    format!(
                        "Error loading ACL rule '{}' for the user named '{}': {}",
                        String::from_utf8_lossy(r),
                        String::from_utf8_lossy(name),
                        e.message()
                    )
                })?;
            }
        }
        Ok(())
    }

    /// ACL SAVE's text: one `user <name> <rules>` line per user.
    pub fn save_text(&self) -> String {
        let mut out = String::new();
        for u in self.users.values() {
            out.push_str("user ");
            out.push_str(&String::from_utf8_lossy(&u.name));
            out.push(' ');
            out.push_str(&u.describe());
            out.push('\n');
        }
        out
    }

    /// ACLLoadFromFile on text: every user, or (on any error) nothing and the errors
    /// in one line. `filename` names the file in the messages.
    pub fn load_text(
        &mut self,
        text: &str,
        filename: &str,
        pubsub_default: u8,
    ) -> Result<(), String> {
        let mut errors = String::new();
        let mut users: BTreeMap<Vec<u8>, User> = BTreeMap::new();
        for (i, line) in text.split('\n').enumerate() {
            let linenum = i + 1;
            let line = line.trim_matches([' ', '\t', '\r', '\n']);
            if line.is_empty() {
                continue;
            }
            let argv: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
            if argv.is_empty() {
                continue;
            }
            if argv[0] != "user" || argv.len() < 2 {
                errors.push_str(&format!(
                    "{filename}:{linenum} should start with user keyword followed by the username. "
                ));
                continue;
            }
            let name = argv[1].as_bytes();
            if users.contains_key(name) {
                errors.push_str(&format!(
                    "WARNING: Duplicate user '{}' found on line {linenum}. ",
                    argv[1]
                ));
                continue;
            }
            let mut u = User::new(name, pubsub_default);
            let ops: Vec<Vec<u8>> = argv[2..].iter().map(|w| w.as_bytes().to_vec()).collect();
            let ops = match merge_selector_args(&ops) {
                Ok(o) => o,
                Err(_) => {
                    errors.push_str(&format!(
                        "{filename}:{linenum}: Unmatched parenthesis in selector definition."
                    ));
                    Vec::new()
                }
            };
            let mut syntax_error = false;
            for op in &ops {
                if let Err(e) = u.apply(op, pubsub_default) {
                    if e == RuleError::NoEnt {
                        errors.push_str(&format!(
                            "{filename}:{linenum}: Error in applying operation '{}': {}. ",
                            String::from_utf8_lossy(op),
                            e.message()
                        ));
                    } else if !syntax_error {
                        errors.push_str(&format!("{filename}:{linenum}: {}. ", e.message()));
                        syntax_error = true;
                    }
                }
            }
            users.insert(name.to_vec(), u);
        }
        if !errors.is_empty() {
            errors.push_str("WARNING: ACL errors detected, no change to the previously active ACL rules was performed");
            return Err(errors);
        }
        users
            .entry(b"default".to_vec())
            .or_insert_with(User::default_user);
        self.users = users;
        Ok(())
    }
}

/// ACLMergeSelectorArguments: `(` … `)` spread over arguments become one. Err holds the
/// argument that opened an unclosed selector.
pub fn merge_selector_args(ops: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, &[u8]> {
    let mut out = Vec::new();
    let mut open: Option<(usize, Vec<u8>)> = None;
    for (j, op) in ops.iter().enumerate() {
        if op.first() == Some(&b'(') && op.last() != Some(&b')') {
            open = Some((j, op.clone()));
            continue;
        }
        if let Some((start, mut sel)) = open.take() {
            sel.push(b' ');
            sel.extend_from_slice(op);
            if op.last() == Some(&b')') {
                out.push(sel);
            } else {
                open = Some((start, sel));
            }
            continue;
        }
        out.push(op.clone());
    }
    match open {
        Some((start, _)) => Err(&ops[start]),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(rules: &str) -> User {
        let mut u = User::new(b"u", 0);
        for r in rules.split(' ') {
            u.apply(r.as_bytes(), 0).unwrap();
        }
        u
    }

    fn argv(s: &str) -> Vec<Vec<u8>> {
        s.split(' ').map(|w| w.as_bytes().to_vec()).collect()
    }

    fn check(u: &User, cmd: &str) -> Result<(), Denied> {
        let a = argv(cmd);
        let spec = table::lookup(&a).unwrap();
        u.check(spec, &a)
    }

    #[test]
    fn default_user_describes_as_redis() {
        assert_eq!(User::default_user().describe(), "on nopass ~* &* +@all");
        assert_eq!(User::new(b"x", 0).describe(), "off resetchannels -@all");
        let mut u = User::new(b"x", 0);
        u.apply(b"reset", 0).unwrap();
        assert_eq!(u.describe(), "off sanitize-payload resetchannels -@all");
    }

    #[test]
    fn password_hashes_are_sha256() {
        assert_eq!(
            hash_password(b"foo"),
            "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
        );
        let u = user("on >foo");
        assert!(u.password_ok(b"foo"));
        assert!(!u.password_ok(b"bar"));
        assert!(!user("off >foo").password_ok(b"foo"));
    }

    #[test]
    fn categories_and_single_commands_describe() {
        assert_eq!(
            user("+@all -@dangerous").root().describe_commands(),
            "+@all -@dangerous"
        );
        assert_eq!(
            user("-@all +@read -get").root().describe_commands(),
            "-@all +@read -get"
        );
        assert_eq!(user("+get").root().describe_commands(), "-@all +get");
        assert_eq!(
            user("+config|get").root().describe_commands(),
            "-@all +config|get"
        );
        assert_eq!(
            user("+select|0").root().describe_commands(),
            "-@all +select|0"
        );
    }

    #[test]
    fn command_and_key_checks() {
        let u = user("on +get +set %R~r* %W~w* ~rw*");
        assert_eq!(check(&u, "get r1"), Ok(()));
        assert_eq!(check(&u, "get w1"), Err(Denied::Key(1)));
        assert_eq!(check(&u, "set w1 x"), Ok(()));
        assert_eq!(check(&u, "set r1 x"), Err(Denied::Key(1)));
        // SET … GET reads too.
        assert_eq!(check(&u, "set w1 x get"), Err(Denied::Key(1)));
        assert_eq!(check(&u, "set rw1 x get"), Ok(()));
        assert_eq!(check(&u, "del r1"), Err(Denied::Command));
    }

    #[test]
    fn selectors_and_channels() {
        let mut u = user("on +get ~a*");
        u.apply(b"(+set ~b*)", 0).unwrap();
        assert_eq!(check(&u, "get a1"), Ok(()));
        assert_eq!(check(&u, "set b1 x"), Ok(()));
        assert_eq!(check(&u, "set a1 x"), Err(Denied::Key(1)));
        assert_eq!(
            u.describe(),
            "on ~a* resetchannels -@all +get (~b* resetchannels -@all +set)"
        );
        let c = user("on +publish +psubscribe &news.*");
        assert_eq!(check(&c, "publish news.1 x"), Ok(()));
        assert_eq!(check(&c, "publish other x"), Err(Denied::Channel(1)));
        assert_eq!(check(&c, "psubscribe news.*"), Ok(()));
        assert_eq!(check(&c, "psubscribe news.1"), Err(Denied::Channel(1)));
    }

    #[test]
    fn rule_errors() {
        let mut u = User::new(b"u", 0);
        assert_eq!(u.apply(b"+nosuch", 0), Err(RuleError::NoEnt));
        assert_eq!(u.apply(b"+config|get|x", 0), Err(RuleError::Child));
        assert_eq!(u.apply(b"+select|", 0), Err(RuleError::Inval));
        assert_eq!(u.apply(b"#abc", 0), Err(RuleError::BadMsg));
        assert_eq!(u.apply(b"<nope", 0), Err(RuleError::NoDev));
        assert_eq!(u.apply(b"%X~x", 0), Err(RuleError::Inval));
        u.apply(b"allkeys", 0).unwrap();
        assert_eq!(u.apply(b"~x", 0), Err(RuleError::Exist));
        let mut acl = Acl::default();
        assert!(acl.set_user(b"v", &argv("on (+get nosuch"), 0).is_err());
        assert!(!acl.users.contains_key(&b"v"[..]));
    }

    #[test]
    fn save_and_load_round_trip() {
        let mut acl = Acl::default();
        acl.set_user(b"alice", &argv("on >pw ~a* &c* +get (+set ~b*)"), 0)
            .unwrap();
        let text = acl.save_text();
        let mut other = Acl::default();
        other.load_text(&text, "users.acl", 0).unwrap();
        assert_eq!(other.save_text(), text);
        assert!(other.load_text("user x +nosuch\n", "f", 0).is_err());
        assert_eq!(other.save_text(), text);
    }

    fn engine() -> (crate::engine::Engine, crate::engine::ManualClock, u64) {
        let clock = crate::engine::ManualClock::new(1_700_000_000_000);
        let mut e = crate::engine::Engine::new(Box::new(clock.clone()), 7);
        let id = e.connect("127.0.0.1:5000", "127.0.0.1:6379");
        (e, clock, id)
    }

    fn field<'a>(entry: &'a crate::engine::Reply, name: &str) -> &'a crate::engine::Reply {
        match entry {
            crate::engine::Reply::Map(kv) => kv
                .iter()
                .find(|(k, _)| *k == crate::engine::Reply::bulk(name))
                .map(|(_, v)| v)
                .unwrap(),
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn acl_log_records_refusals_grouped_within_a_minute() {
        use crate::engine::Reply;
        let (mut e, clock, id) = engine();
        e.exec_words(id, "ACL SETUSER u on >p +echo +get ~k*");
        assert_eq!(
            e.exec_words(id, "AUTH u nope"),
            Reply::err("WRONGPASS invalid username-password pair or user is disabled.")
        );
        assert_eq!(e.exec_words(id, "AUTH u p"), Reply::ok());
        assert!(
            matches!(e.exec_words(id, "GET other"), Reply::Error(m) if m.starts_with("NOPERM"))
        );
        clock.advance(1500);
        e.exec_words(id, "GET other");
        e.exec_words(id, "SET k v");
        e.exec_words(id, "AUTH default x");
        let log = e.exec_words(id, "ACL LOG");
        assert!(matches!(log, Reply::Array(_)));
        let Reply::Array(entries) = log else { panic!() };
        assert_eq!(entries.len(), 3);
        assert_eq!(*field(&entries[0], "reason"), Reply::bulk("command"));
        assert_eq!(*field(&entries[0], "object"), Reply::bulk("set"));
        assert_eq!(*field(&entries[1], "reason"), Reply::bulk("key"));
        assert_eq!(*field(&entries[1], "object"), Reply::bulk("other"));
        assert_eq!(*field(&entries[1], "count"), Reply::Int(2));
        assert_eq!(*field(&entries[1], "context"), Reply::bulk("toplevel"));
        assert_eq!(*field(&entries[1], "username"), Reply::bulk("u"));
        assert_eq!(*field(&entries[2], "reason"), Reply::bulk("auth"));
        assert_eq!(*field(&entries[2], "object"), Reply::bulk("AUTH"));
        assert_eq!(*field(&entries[2], "age-seconds"), Reply::Double(1.5));
        let Reply::Bulk(info) = field(&entries[0], "client-info") else {
            panic!()
        };
        assert!(String::from_utf8_lossy(info).contains(" user=u "));
        // A minute later the same refusal starts a new entry.
        clock.advance(61_000);
        e.exec_words(id, "GET other");
        let Reply::Array(entries) = e.exec_words(id, "ACL LOG 1") else {
            panic!()
        };
        assert_eq!(*field(&entries[0], "count"), Reply::Int(1));
        assert_eq!(e.exec_words(id, "AUTH x"), Reply::err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"));
        e.exec_words(id, "AUTH default anything");
        e.exec_words(id, "CONFIG SET acllog-max-len 2");
        e.exec_words(id, "ACL SETUSER u -get");
        e.exec_words(id, "AUTH u p");
        e.exec_words(id, "GET a");
        e.exec_words(id, "GET b");
        e.exec_words(id, "AUTH default x");
        let Reply::Array(entries) = e.exec_words(id, "ACL LOG") else {
            panic!()
        };
        assert_eq!(entries.len(), 2);
    }

    #[test]
    fn requirepass_and_deleted_users_lock_clients_out() {
        use crate::engine::Reply;
        let (mut e, _, id) = engine();
        e.exec_words(id, "CONFIG SET requirepass pw");
        let other = e.connect("127.0.0.1:5001", "127.0.0.1:6379");
        assert_eq!(
            e.exec_words(other, "GET x"),
            Reply::err("NOAUTH Authentication required.")
        );
        assert_eq!(e.exec_words(other, "AUTH pw"), Reply::ok());
        assert_eq!(e.exec_words(other, "GET x"), Reply::Nil);
        // The first client connected before the password: it stays in.
        assert_eq!(e.exec_words(id, "GET x"), Reply::Nil);
        e.exec_words(id, "ACL SETUSER v on nopass +@all ~*");
        assert_eq!(e.exec_words(other, "AUTH v x"), Reply::ok());
        assert_eq!(e.exec_words(id, "ACL DELUSER v"), Reply::Int(1));
        assert!(e.client(other).unwrap().close_after_reply);
        assert_eq!(e.exec_words(other, "GET x"), Reply::Seq(Vec::new()));
        assert_eq!(e.overflowed_clients(), vec![other]);
    }

    #[test]
    fn narrowed_channels_disconnect_subscribers() {
        use crate::engine::Reply;
        let (mut e, _, id) = engine();
        e.exec_words(id, "ACL SETUSER s on nopass +@all ~* &news.*");
        let sub = e.connect("127.0.0.1:5002", "127.0.0.1:6379");
        e.exec_words(sub, "AUTH s x");
        assert!(!matches!(
            e.exec_words(sub, "SUBSCRIBE news.a"),
            Reply::Error(_)
        ));
        assert!(matches!(
            e.exec_words(sub, "SUBSCRIBE other"),
            Reply::Error(_)
        ));
        e.exec_words(id, "ACL SETUSER s &more");
        assert!(!e.client(sub).unwrap().close_after_reply);
        e.exec_words(id, "ACL SETUSER s resetchannels &more");
        assert!(e.client(sub).unwrap().close_after_reply);
    }
}
