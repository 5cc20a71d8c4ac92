//! The command table: one row per command (and per subcommand of a container such as
//! OBJECT or CONFIG), as Redis models it: name, arity, flags, key positions, ACL
//! categories, and the handler.
//!
//! Arity follows Redis: a positive number is the exact argument count (command name
//! included), a negative one is a minimum. The same rows feed COMMAND INFO / DOCS / LIST /
//! COUNT, the console's completion and hints, and HELP.

use super::cmd::{
    acl as aclcmd, bitmap, bloom, clients, cluster, debug, expire, geo, hash, hll, keys, list,
    memory, migrate, multi, persist, pubsub, repl, scripting, server, set, slowlog, sort, stream,
    strings, tdigest, zset,
};
use super::{Ctx, Reply};

pub type Handler = fn(&mut Ctx, &[Vec<u8>]) -> Reply;

pub struct CommandSpec {
    /// Lower-case name; for a subcommand, the part after the `|`.
    pub name: &'static str,
    pub container: Option<&'static str>,
    pub arity: i32,
    /// Redis's command flags, parsed from the table's `"write denyoom"` when compiling.
    pub flags: Flags,
    /// Space-separated explicit ACL categories (`string`, `keyspace` …), without `@`.
    pub acl: &'static str,
    pub first_key: i32,
    pub last_key: i32,
    pub step: i32,
    /// Space-separated key-spec flags (`RW ACCESS UPDATE`) for the single key spec.
    pub key_flags: &'static str,
    pub tips: &'static str,
    pub group: &'static str,
    pub since: &'static str,
    pub complexity: &'static str,
    /// One line in our own words, for HELP and COMMAND DOCS.
    pub summary: &'static str,
    /// The arguments after the name, as hints show them.
    pub syntax: &'static str,
    pub handler: Handler,
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    /// `get`, or `object|encoding` for a subcommand.
    pub fn full_name(&self) -> String {
        match self.container {
            Some(c) => format!("{c}|{}", self.name),
            None => self.name.to_string(),
        }
    }

    /// The (container, name) pair that identifies this command in statistics.
    pub fn key(&self) -> (Option<&'static str>, &'static str) {
        (self.container, self.name)
    }

    /// ACL categories as COMMAND INFO lists them: the explicit ones plus those implied by
    /// the flags, in Redis's category order.
    pub fn acl_categories(&self) -> Vec<String> {
        const ORDER: &[&str] = &super::acl::CATEGORIES;
        // A module command (RedisBloom's) has no ACL categories in Redis 7.0.
        if self.flags.contains(Flags::MODULE) {
            return Vec::new();
        }
        let mut cats: Vec<&str> = self.acl.split(' ').filter(|s| !s.is_empty()).collect();
        if self.flags.contains(Flags::WRITE) {
            cats.push("write");
        }
        if self.flags.contains(Flags::READONLY) && !cats.contains(&"scripting") {
            cats.push("read");
        }
        if self.flags.contains(Flags::ADMIN) {
            cats.push("admin");
            cats.push("dangerous");
        }
        if self.flags.contains(Flags::PUBSUB) {
            cats.push("pubsub");
        }
        if self.flags.contains(Flags::FAST) {
            cats.push("fast");
        }
        if self.flags.contains(Flags::BLOCKING) {
            cats.push("blocking");
        }
        if !self.flags.contains(Flags::FAST) {
            cats.push("slow");
        }
        ORDER
            .iter()
            .filter(|c| cats.contains(c))
            .map(|c| format!("@{c}"))
            .collect()
    }

    /// The `NAME args` line used by hints and HELP.
    pub fn usage(&self) -> String {
        let name = match self.container {
            Some(c) => format!(
                "{} {}",
                c.to_ascii_uppercase(),
                self.name.to_ascii_uppercase()
            ),
            None => self.name.to_ascii_uppercase(),
        };
        if self.syntax.is_empty() {
            name
        } else {
            format!("{name} {}", self.syntax)
        }
    }
}

/// Redis's command flags as bits. The names are listed in the order COMMAND INFO
/// prints them (server.c's `addReplyFlagsForCommand`), then the ones it hides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flags(u32);

impl Flags {
    const NAMES: [&'static str; 24] = [
        "write",
        "readonly",
        "denyoom",
        "module",
        "admin",
        "pubsub",
        "noscript",
        "blocking",
        "loading",
        "stale",
        "skip_monitor",
        "skip_slowlog",
        "asking",
        "fast",
        "no_auth",
        "no_mandatory_keys",
        "no_async_loading",
        "no_multi",
        "movablekeys",
        "allow_busy",
        // Hidden from COMMAND INFO, as Redis hides them.
        "sentinel",
        "may_replicate",
        "protected",
        "touches_arbitrary_keys",
    ];
    /// How many of NAMES COMMAND INFO shows.
    const SHOWN: usize = 20;

    pub const WRITE: Flags = Flags(1 << 0);
    pub const READONLY: Flags = Flags(1 << 1);
    pub const DENYOOM: Flags = Flags(1 << 2);
    pub const MODULE: Flags = Flags(1 << 3);
    pub const ADMIN: Flags = Flags(1 << 4);
    pub const PUBSUB: Flags = Flags(1 << 5);
    pub const NOSCRIPT: Flags = Flags(1 << 6);
    pub const BLOCKING: Flags = Flags(1 << 7);
    pub const SKIP_MONITOR: Flags = Flags(1 << 10);
    pub const SKIP_SLOWLOG: Flags = Flags(1 << 11);
    pub const FAST: Flags = Flags(1 << 13);
    pub const NO_AUTH: Flags = Flags(1 << 14);
    pub const NO_MANDATORY_KEYS: Flags = Flags(1 << 15);
    pub const NO_MULTI: Flags = Flags(1 << 17);
    pub const MOVABLEKEYS: Flags = Flags(1 << 18);
    pub const ALLOW_BUSY: Flags = Flags(1 << 19);
    pub const PROTECTED: Flags = Flags(1 << 22);
    pub const STALE: Flags = Flags::parse("stale");
    pub const LOADING: Flags = Flags::parse("loading");
    pub const MAY_REPLICATE: Flags = Flags::parse("may_replicate");

    /// Parses `"write denyoom fast"` at compile time; an unknown word stops the build.
    pub const fn parse(s: &str) -> Flags {
        let b = s.as_bytes();
        let mut bits = 0u32;
        let mut i = 0;
        while i < b.len() {
            if b[i] == b' ' {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
            let mut n = 0;
            let mut found = false;
            while n < Self::NAMES.len() {
                let name = Self::NAMES[n].as_bytes();
                if name.len() == i - start {
                    let mut k = 0;
                    while k < name.len() && name[k] == b[start + k] {
                        k += 1;
                    }
                    if k == name.len() {
                        bits |= 1 << n;
                        found = true;
                        break;
                    }
                }
                n += 1;
            }
            if !found {
                panic!("unknown command flag in the command table");
            }
        }
        Flags(bits)
    }

    pub const fn contains(self, f: Flags) -> bool {
        self.0 & f.0 == f.0
    }

    pub const fn union(self, f: Flags) -> Flags {
        Flags(self.0 | f.0)
    }

    pub const fn without(self, f: Flags) -> Flags {
        Flags(self.0 & !f.0)
    }

    /// The flags COMMAND INFO shows, in its order.
    pub fn shown(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES[..Self::SHOWN]
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| *n)
    }
}

#[allow(clippy::too_many_arguments)]
const fn c(
    name: &'static str,
    arity: i32,
    flags: &'static str,
    acl: &'static str,
    keys: (i32, i32, i32),
    key_flags: &'static str,
    group: &'static str,
    since: &'static str,
    complexity: &'static str,
    summary: &'static str,
    syntax: &'static str,
    handler: Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        container: None,
        arity,
        flags: Flags::parse(flags),
        acl,
        first_key: keys.0,
        last_key: keys.1,
        step: keys.2,
        key_flags,
        tips: "",
        group,
        since,
        complexity,
        summary,
        syntax,
        handler,
        subcommands: &[],
    }
}

const fn tips(mut s: CommandSpec, t: &'static str) -> CommandSpec {
    s.tips = t;
    s
}

const fn acl(mut s: CommandSpec, acl: &'static str) -> CommandSpec {
    s.acl = acl;
    s
}

const fn sub(mut s: CommandSpec, container: &'static str) -> CommandSpec {
    s.container = Some(container);
    s
}

const fn container(
    name: &'static str,
    arity: i32,
    flags: &'static str,
    group: &'static str,
    since: &'static str,
    summary: &'static str,
    subs: &'static [CommandSpec],
) -> CommandSpec {
    let mut s = c(
        name,
        arity,
        flags,
        "",
        (0, 0, 0),
        "",
        group,
        since,
        "Depends on subcommand.",
        summary,
        "<subcommand> [arg ...]",
        server::container_without_sub,
    );
    s.subcommands = subs;
    s
}

/// A RedisBloom command: a module command as `RedisModule_CreateCommand` registers it
/// (arity -1, the handler checks its arguments; key 1; the legacy key spec
/// `RW ACCESS UPDATE`).
const fn m(
    name: &'static str,
    flags: &'static str,
    summary: &'static str,
    syntax: &'static str,
    handler: Handler,
) -> CommandSpec {
    c(
        name,
        -1,
        flags,
        "",
        K1,
        "RW ACCESS UPDATE",
        "module",
        "",
        "",
        summary,
        syntax,
        handler,
    )
}

const NOKEY: (i32, i32, i32) = (0, 0, 0);
const K1: (i32, i32, i32) = (1, 1, 1);
const K2: (i32, i32, i32) = (1, 2, 1);
const KALL: (i32, i32, i32) = (1, -1, 1);
const KPAIRS: (i32, i32, i32) = (1, -1, 2);
const SUBK: (i32, i32, i32) = (2, 2, 1);

const S: &str = "string";
const G: &str = "generic";
const CONN: &str = "connection";
const SRV: &str = "server";

static OBJECT_SUBS: &[CommandSpec] = &[
    tips(
        sub(
            c(
                "encoding",
                3,
                "readonly",
                "keyspace",
                SUBK,
                "RO",
                G,
                "2.2.3",
                "O(1)",
                "Show how a key's value is encoded inside the server.",
                "key",
                keys::object_encoding,
            ),
            "object",
        ),
        "nondeterministic_output",
    ),
    tips(
        sub(
            c(
                "freq",
                3,
                "readonly",
                "keyspace",
                SUBK,
                "RO",
                G,
                "4.0.0",
                "O(1)",
                "Show a key's logarithmic access counter (LFU policies only).",
                "key",
                keys::object_freq,
            ),
            "object",
        ),
        "nondeterministic_output",
    ),
    help_sub(
        "object",
        "loading stale",
        "keyspace",
        G,
        "6.2.0",
        "List the OBJECT subcommands.",
        keys::object_help,
    ),
    tips(
        sub(
            c(
                "idletime",
                3,
                "readonly",
                "keyspace",
                SUBK,
                "RO",
                G,
                "2.2.3",
                "O(1)",
                "Seconds since a key was last read or written (LRU policies).",
                "key",
                keys::object_idletime,
            ),
            "object",
        ),
        "nondeterministic_output",
    ),
    tips(
        sub(
            c(
                "refcount",
                3,
                "readonly",
                "keyspace",
                SUBK,
                "RO",
                G,
                "2.2.3",
                "O(1)",
                "How many references share a key's value object.",
                "key",
                keys::object_refcount,
            ),
            "object",
        ),
        "nondeterministic_output",
    ),
];

#[allow(clippy::too_many_arguments)]
const fn ssub(
    name: &'static str,
    arity: i32,
    flags: &'static str,
    container: &'static str,
    complexity: &'static str,
    summary: &'static str,
    syntax: &'static str,
    handler: Handler,
) -> CommandSpec {
    acl(
        sub(
            c(
                name,
                arity,
                flags,
                "",
                NOKEY,
                "",
                "scripting",
                if container.len() == 6 {
                    "2.6.0"
                } else {
                    "7.0.0"
                },
                complexity,
                summary,
                syntax,
                handler,
            ),
            container,
        ),
        "scripting",
    )
}

static SCRIPT_SUBS: &[CommandSpec] = &[
    ssub("debug", 3, "noscript", "script", "O(1)", "Set the debug mode for executed scripts.", "YES|SYNC|NO", scripting::script_debug),
    tips(ssub("exists", -3, "noscript", "script", "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).", "Whether scripts are in the cache, one 1 or 0 per SHA-1.", "sha1 [sha1 ...]", scripting::script_exists), "request_policy:all_shards response_policy:agg_logical_and"),
    tips(ssub("flush", -2, "noscript", "script", "O(N) with N being the number of scripts in cache", "Empty the script cache.", "[ASYNC|SYNC]", scripting::script_flush), "request_policy:all_nodes response_policy:all_succeeded"),
    acl(help_sub("script", "loading stale", "", "scripting", "5.0.0", "List the SCRIPT subcommands.", scripting::script_help), "scripting"),
    tips(ssub("kill", 2, "noscript allow_busy", "script", "O(1)", "Stop the running script (none ever runs across commands here).", "", scripting::script_kill), "request_policy:all_shards response_policy:one_succeeded"),
    tips(ssub("load", 3, "noscript stale", "script", "O(N) with N being the length in bytes of the script body.", "Compile a script into the cache and return its SHA-1, for EVALSHA.", "script", scripting::script_load), "request_policy:all_nodes response_policy:all_succeeded"),
];

static FUNCTION_SUBS: &[CommandSpec] = &[
    tips(
        ssub(
            "delete",
            3,
            "write noscript",
            "function",
            "O(1)",
            "Delete a library and its functions.",
            "library-name",
            scripting::function_delete,
        ),
        "request_policy:all_shards response_policy:all_succeeded",
    ),
    ssub(
        "dump",
        2,
        "noscript",
        "function",
        "O(N) where N is the number of functions",
        "A payload holding every library, for FUNCTION RESTORE.",
        "",
        scripting::function_dump,
    ),
    tips(
        ssub(
            "flush",
            -2,
            "write noscript",
            "function",
            "O(N) where N is the number of functions deleted",
            "Delete every library.",
            "[ASYNC|SYNC]",
            scripting::function_flush,
        ),
        "request_policy:all_shards response_policy:all_succeeded",
    ),
    acl(
        help_sub(
            "function",
            "loading stale",
            "",
            "scripting",
            "7.0.0",
            "List the FUNCTION subcommands.",
            scripting::function_help,
        ),
        "scripting",
    ),
    tips(
        ssub(
            "kill",
            2,
            "noscript allow_busy",
            "function",
            "O(1)",
            "Stop the running function (none ever runs across commands here).",
            "",
            scripting::function_kill,
        ),
        "request_policy:all_shards response_policy:one_succeeded",
    ),
    tips(
        ssub(
            "list",
            -2,
            "noscript",
            "function",
            "O(N) where N is the number of functions",
            "The libraries, their functions and flags, optionally filtered and with code.",
            "[LIBRARYNAME library-name-pattern] [WITHCODE]",
            scripting::function_list,
        ),
        "nondeterministic_output_order",
    ),
    tips(
        ssub(
            "load",
            -3,
            "write denyoom noscript",
            "function",
            "O(1) (considering compilation time is redundant)",
            "Load a library of functions (`#!lua name=<lib>` then redis.register_function calls).",
            "[REPLACE] function-code",
            scripting::function_load,
        ),
        "request_policy:all_shards response_policy:all_succeeded",
    ),
    tips(
        ssub(
            "restore",
            -3,
            "write denyoom noscript",
            "function",
            "O(N) where N is the number of functions on the payload",
            "Load the libraries of a FUNCTION DUMP payload.",
            "serialized-value [FLUSH|APPEND|REPLACE]",
            scripting::function_restore,
        ),
        "request_policy:all_shards response_policy:all_succeeded",
    ),
    tips(
        ssub(
            "stats",
            2,
            "noscript allow_busy",
            "function",
            "O(1)",
            "The running function (never one here) and the engines' counts.",
            "",
            scripting::function_stats,
        ),
        "nondeterministic_output request_policy:all_shards response_policy:special",
    ),
];

static MEMORY_SUBS: &[CommandSpec] = &[
    memory_sub(
        "doctor",
        "Explain what may be wrong with memory use.",
        memory::memory_doctor,
    ),
    memory_sub(
        "malloc-stats",
        "The allocator's own statistics (none: not jemalloc).",
        memory::memory_malloc_stats,
    ),
    tips(
        memory_sub(
            "purge",
            "Give the pages kept since the last peak back (see the memory model).",
            memory::memory_purge,
        ),
        "request_policy:all_shards response_policy:all_succeeded",
    ),
    memory_sub(
        "stats",
        "Memory use broken down: startup, clients, tables, dataset, peak, fragmentation.",
        memory::memory_stats,
    ),
    help_sub(
        "memory",
        "loading stale",
        "",
        SRV,
        "4.0.0",
        "List the MEMORY subcommands.",
        memory::memory_help,
    ),
    sub(
        c(
            "usage",
            -3,
            "readonly",
            "",
            SUBK,
            "RO",
            SRV,
            "4.0.0",
            "O(N) where N is the number of samples.",
            "Estimate the bytes a key and its value take (see the memory model).",
            "key [SAMPLES count]",
            keys::memory_usage,
        ),
        "memory",
    ),
];

/// A container's HELP subcommand ("List the X subcommands.").
const fn help_sub(
    container: &'static str,
    flags: &'static str,
    acl: &'static str,
    group: &'static str,
    since: &'static str,
    summary: &'static str,
    handler: Handler,
) -> CommandSpec {
    sub(
        c(
            "help", 2, flags, acl, NOKEY, "", group, since, "O(1)", summary, "", handler,
        ),
        container,
    )
}

/// A MEMORY subcommand without keys: `MEMORY <name>`, nondeterministic output.
const fn memory_sub(name: &'static str, summary: &'static str, handler: Handler) -> CommandSpec {
    tips(
        sub(
            c(
                name, 2, "", "", NOKEY, "", SRV, "4.0.0", "O(1)", summary, "", handler,
            ),
            "memory",
        ),
        "nondeterministic_output request_policy:all_shards response_policy:special",
    )
}

static ACL_SUBS: &[CommandSpec] = &[
    sub(c("cat", -2, "noscript loading stale", "", NOKEY, "", SRV, "6.0.0", "O(1) since the categories and commands are a fixed set.",
        "List the ACL categories, or the commands in one.", "[categoryname]", aclcmd::cat), "acl"),
    sub(c("deluser", -3, "admin noscript loading stale", "", NOKEY, "", SRV, "6.0.0", "O(1) amortized time considering the typical user.",
        "Delete users and close their connections.", "username [username ...]", aclcmd::deluser), "acl"),
    sub(c("dryrun", -4, "admin noscript loading stale", "", NOKEY, "", SRV, "7.0.0", "O(1).",
        "Whether a user could run a command, without running it.", "username command [arg [arg ...]]", aclcmd::dryrun), "acl"),
    sub(c("genpass", -2, "noscript loading stale", "", NOKEY, "", SRV, "6.0.0", "O(1)",
        "A random password (256 bits by default) in hex.", "[bits]", aclcmd::genpass), "acl"),
    sub(c("getuser", 3, "admin noscript loading stale", "", NOKEY, "", SRV, "6.0.0", "O(N). Where N is the number of password, command and pattern rules that the user has.",
        "A user's flags, password hashes, command rules, keys, channels and selectors.", "username", aclcmd::getuser), "acl"),
    sub(c("list", 2, "admin noscript loading stale", "", NOKEY, "", SRV, "6.0.0", "O(N). Where N is the number of configured users.",
        "Every user's rules, as an ACL file holds them.", "", aclcmd::list), "acl"),
    sub(c("load", 2, "admin noscript loading stale", "", NOKEY, "", SRV, "6.0.0", "O(N). Where N is the number of configured users.",
        "Reload the users from the ACL file (server only).", "", aclcmd::load), "acl"),
    sub(c("log", -2, "admin noscript loading stale", "", NOKEY, "", SRV, "6.0.0", "O(N) with N being the number of entries shown.",
        "The latest refusals: commands, keys, channels and failed logins.", "[count|RESET]", aclcmd::log_cmd), "acl"),
    sub(c("save", 2, "admin noscript loading stale", "", NOKEY, "", SRV, "6.0.0", "O(N). Where N is the number of configured users.",
        "Write the users to the ACL file (server only).", "", aclcmd::save), "acl"),
    sub(c("setuser", -3, "admin noscript loading stale", "", NOKEY, "", SRV, "6.0.0", "O(N). Where N is the number of rules provided.",
        "Create or change a user: on/off, passwords, command rules, key and channel patterns, selectors.", "username [rule [rule ...]]", aclcmd::setuser), "acl"),
    sub(c("users", 2, "admin noscript loading stale", "", NOKEY, "", SRV, "6.0.0", "O(N). Where N is the number of configured users.",
        "The names of all users.", "", aclcmd::users), "acl"),
    sub(c("whoami", 2, "noscript loading stale", "", NOKEY, "", SRV, "6.0.0", "O(1)",
        "The user this connection acts as.", "", aclcmd::whoami), "acl"),
    help_sub("acl", "loading stale", "", SRV, "6.0.0", "List the ACL subcommands.", aclcmd::help),
];

static CONFIG_SUBS: &[CommandSpec] = &[
    sub(
        c(
            "get",
            -3,
            "admin noscript loading stale",
            "",
            NOKEY,
            "",
            SRV,
            "2.0.0",
            "O(N) when N is the number of configuration parameters provided",
            "Read configuration parameters, by name or glob pattern.",
            "parameter [parameter ...]",
            server::config_get,
        ),
        "config",
    ),
    help_sub(
        "config",
        "loading stale",
        "",
        SRV,
        "5.0.0",
        "List the CONFIG subcommands.",
        server::config_help,
    ),
    sub(
        c(
            "resetstat",
            2,
            "admin noscript loading stale",
            "",
            NOKEY,
            "",
            SRV,
            "2.0.0",
            "O(1)",
            "Zero the statistics that INFO reports.",
            "",
            server::config_resetstat,
        ),
        "config",
    ),
    sub(
        c(
            "rewrite",
            2,
            "admin noscript loading stale",
            "",
            NOKEY,
            "",
            SRV,
            "2.8.0",
            "O(1)",
            "Save the configuration to its file (the playground has none).",
            "",
            server::config_rewrite,
        ),
        "config",
    ),
    sub(
        tips(
            c(
                "set",
                -4,
                "admin noscript loading stale",
                "",
                NOKEY,
                "",
                SRV,
                "2.0.0",
                "O(N) when N is the number of configuration parameters provided",
                "Change configuration parameters at run time, all or none.",
                "parameter value [parameter value ...]",
                server::config_set,
            ),
            "request_policy:all_nodes response_policy:all_succeeded",
        ),
        "config",
    ),
];

static COMMAND_SUBS: &[CommandSpec] = &[
    sub(
        c(
            "count",
            2,
            "loading stale sentinel",
            "connection",
            NOKEY,
            "",
            SRV,
            "2.8.13",
            "O(1)",
            "How many commands this server knows.",
            "",
            server::command_count,
        ),
        "command",
    ),
    tips(
        sub(
            c(
                "docs",
                -2,
                "loading stale sentinel",
                "connection",
                NOKEY,
                "",
                SRV,
                "7.0.0",
                "O(N) where N is the number of commands to look up",
                "Documentation of commands: summary, group, syntax.",
                "[command-name [command-name ...]]",
                server::command_docs,
            ),
            "command",
        ),
        "nondeterministic_output_order",
    ),
    sub(
        c(
            "getkeys",
            -4,
            "loading stale sentinel",
            "connection",
            NOKEY,
            "",
            SRV,
            "2.8.13",
            "O(N) where N is the number of arguments to the command",
            "Which arguments of a full command line are keys.",
            "command [arg [arg ...]]",
            server::command_getkeys,
        ),
        "command",
    ),
    sub(
        c(
            "getkeysandflags",
            -4,
            "loading stale sentinel",
            "connection",
            NOKEY,
            "",
            SRV,
            "7.0.0",
            "O(N) where N is the number of arguments to the command",
            "Which arguments of a full command line are keys, and how each is used.",
            "command [arg [arg ...]]",
            server::command_getkeysandflags,
        ),
        "command",
    ),
    help_sub(
        "command",
        "loading stale sentinel",
        "connection",
        SRV,
        "5.0.0",
        "List the COMMAND subcommands.",
        server::command_help,
    ),
    tips(
        sub(
            c(
                "info",
                -2,
                "loading stale sentinel",
                "connection",
                NOKEY,
                "",
                SRV,
                "2.8.13",
                "O(N) where N is the number of commands to look up",
                "Arity, flags and key positions of commands.",
                "[command-name [command-name ...]]",
                server::command_info,
            ),
            "command",
        ),
        "nondeterministic_output_order",
    ),
    tips(
        sub(
            c(
                "list",
                -2,
                "loading stale sentinel",
                "connection",
                NOKEY,
                "",
                SRV,
                "7.0.0",
                "O(N) where N is the total number of Redis commands",
                "Names of all commands, optionally filtered.",
                "[FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]",
                server::command_list,
            ),
            "command",
        ),
        "nondeterministic_output_order",
    ),
];

static CLIENT_SUBS: &[CommandSpec] = &[
    sub(
        c(
            "caching",
            3,
            "noscript loading stale",
            "connection",
            NOKEY,
            "",
            CONN,
            "6.0.0",
            "O(1)",
            "Track (YES, under OPTIN) or skip (NO, under OPTOUT) the keys the next command reads.",
            "YES|NO",
            clients::client_caching,
        ),
        "client",
    ),
    sub(
        c(
            "getredir",
            2,
            "noscript loading stale",
            "connection",
            NOKEY,
            "",
            CONN,
            "6.0.0",
            "O(1)",
            "The client this one's invalidations go to: 0 for itself, -1 when not tracking.",
            "",
            clients::client_getredir,
        ),
        "client",
    ),
    sub(
        c(
            "tracking",
            -3,
            "noscript loading stale",
            "connection",
            NOKEY,
            "",
            CONN,
            "6.0.0",
            "O(1). Some options may introduce additional complexity.",
            "Client-side caching: hear (as `invalidate` pushes, or on __redis__:invalidate via REDIRECT) when keys this client read change.",
            "ON|OFF [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]",
            clients::client_tracking,
        ),
        "client",
    ),
    sub(
        c(
            "trackinginfo",
            2,
            "noscript loading stale",
            "connection",
            NOKEY,
            "",
            CONN,
            "6.2.0",
            "O(1)",
            "This connection's tracking: flags, redirect and prefixes.",
            "",
            clients::client_trackinginfo,
        ),
        "client",
    ),
    sub(
        c(
            "kill",
            -3,
            "admin noscript loading stale",
            "connection",
            NOKEY,
            "",
            CONN,
            "2.4.0",
            "O(N) where N is the number of client connections",
            "Close connections by address, or by filters: ID, ADDR, LADDR, TYPE, USER, SKIPME.",
            "ip:port|[ID client-id] [TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME YES|NO]",
            clients::client_kill,
        ),
        "client",
    ),
    sub(
        c(
            "no-evict",
            3,
            "admin noscript loading stale",
            "connection",
            NOKEY,
            "",
            CONN,
            "7.0.0",
            "O(1)",
            "Protect this connection from client eviction (the `e` flag).",
            "ON|OFF",
            clients::client_no_evict,
        ),
        "client",
    ),
    sub(
        c(
            "pause",
            -3,
            "admin noscript loading stale",
            "connection",
            NOKEY,
            "",
            CONN,
            "2.9.50",
            "O(1)",
            "Hold every client's commands (ALL), or those that write (WRITE), for a number of milliseconds.",
            "timeout [WRITE|ALL]",
            clients::client_pause,
        ),
        "client",
    ),
    sub(
        c(
            "unpause",
            2,
            "admin noscript loading stale",
            "connection",
            NOKEY,
            "",
            CONN,
            "6.2.0",
            "O(N) Where N is the number of paused clients",
            "End a CLIENT PAUSE: held commands run.",
            "",
            clients::client_unpause,
        ),
        "client",
    ),
    sub(
        c(
            "unblock",
            -3,
            "admin noscript loading stale",
            "connection",
            NOKEY,
            "",
            CONN,
            "5.0.0",
            "O(log N) where N is the number of client connections",
            "End another client's blocking command, as a timeout or with an error.",
            "client-id [TIMEOUT|ERROR]",
            server::client_unblock,
        ),
        "client",
    ),
    sub(
        c(
            "getname",
            2,
            "noscript loading stale sentinel",
            "connection",
            NOKEY,
            "",
            CONN,
            "2.6.9",
            "O(1)",
            "This connection's name, or nil.",
            "",
            server::client_getname,
        ),
        "client",
    ),
    help_sub(
        "client",
        "loading stale sentinel",
        "connection",
        CONN,
        "5.0.0",
        "List the CLIENT subcommands.",
        server::client_help,
    ),
    sub(
        c(
            "id",
            2,
            "noscript loading stale sentinel",
            "connection",
            NOKEY,
            "",
            CONN,
            "5.0.0",
            "O(1)",
            "This connection's unique id.",
            "",
            server::client_id,
        ),
        "client",
    ),
    tips(
        sub(
            c(
                "info",
                2,
                "noscript loading stale sentinel",
                "connection",
                NOKEY,
                "",
                CONN,
                "6.2.0",
                "O(1)",
                "One line describing this connection.",
                "",
                server::client_info,
            ),
            "client",
        ),
        "nondeterministic_output",
    ),
    tips(
        sub(
            c(
                "list",
                -2,
                "admin noscript loading stale sentinel",
                "connection",
                NOKEY,
                "",
                CONN,
                "2.4.0",
                "O(N) where N is the number of client connections",
                "One line per connected client.",
                "[TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]",
                server::client_list,
            ),
            "client",
        ),
        "nondeterministic_output",
    ),
    sub(
        c(
            "reply",
            3,
            "noscript loading stale",
            "connection",
            NOKEY,
            "",
            CONN,
            "3.2.0",
            "O(1)",
            "Turn replies off (OFF), skip the next one (SKIP) or back on (ON); Pub/Sub messages still arrive.",
            "ON|OFF|SKIP",
            server::client_reply,
        ),
        "client",
    ),
    sub(
        c(
            "setname",
            3,
            "noscript loading stale sentinel",
            "connection",
            NOKEY,
            "",
            CONN,
            "2.6.9",
            "O(1)",
            "Name this connection (shown by CLIENT LIST).",
            "connection-name",
            server::client_setname,
        ),
        "client",
    ),
];

/// A SLOWLOG or LATENCY subcommand (admin, with the tips Redis gives them).
#[allow(clippy::too_many_arguments)]
const fn admin_sub(
    container: &'static str,
    name: &'static str,
    arity: i32,
    flags: &'static str,
    since: &'static str,
    complexity: &'static str,
    summary: &'static str,
    syntax: &'static str,
    tip: &'static str,
    handler: Handler,
) -> CommandSpec {
    tips(
        sub(
            c(
                name, arity, flags, "", NOKEY, "", SRV, since, complexity, summary, syntax, handler,
            ),
            container,
        ),
        tip,
    )
}

/// CLUSTER's subcommands (cluster mode: `cluster.rs`; otherwise each is refused).
static CLUSTER_SUBS: &[CommandSpec] = &[
    tips(sub(c("addslots", -3, "admin stale no_async_loading", "", NOKEY, "", "cluster", "3.0.0", "O(N) where N is the total number of hash slot arguments",
        "Assign hash slots to this node.", "slot [slot ...]", cluster::addslots), "cluster"), ""),
    tips(sub(c("addslotsrange", -4, "admin stale no_async_loading", "", NOKEY, "", "cluster", "7.0.0", "O(N) where N is the total number of the slots between the start slot and end slot arguments.",
        "Assign ranges of hash slots to this node.", "start-slot end-slot [start-slot end-slot ...]", cluster::addslotsrange), "cluster"), ""),
    tips(sub(c("bumpepoch", 2, "admin stale no_async_loading", "", NOKEY, "", "cluster", "3.0.0", "O(1)",
        "Advance this node's config epoch (BUMPED, or STILL when it is already the highest).", "", cluster::bumpepoch), "cluster"), "nondeterministic_output"),
    tips(sub(c("count-failure-reports", 3, "admin stale", "", NOKEY, "", "cluster", "3.0.0", "O(N) where N is the number of failure reports",
        "How many nodes report a node as failing (0 on a single node).", "node-id", cluster::count_failure_reports), "cluster"), "nondeterministic_output"),
    tips(sub(c("countkeysinslot", 3, "stale", "", NOKEY, "", "cluster", "3.0.0", "O(1)",
        "How many keys hash to a slot.", "slot", cluster::countkeysinslot), "cluster"), ""),
    tips(sub(c("delslots", -3, "admin stale no_async_loading", "", NOKEY, "", "cluster", "3.0.0", "O(N) where N is the total number of hash slot arguments",
        "Unassign hash slots from this node.", "slot [slot ...]", cluster::delslots), "cluster"), ""),
    tips(sub(c("delslotsrange", -4, "admin stale no_async_loading", "", NOKEY, "", "cluster", "7.0.0", "O(N) where N is the total number of the slots between the start slot and end slot arguments.",
        "Unassign ranges of hash slots.", "start-slot end-slot [start-slot end-slot ...]", cluster::delslotsrange), "cluster"), ""),
    tips(sub(c("failover", -2, "admin stale no_async_loading", "", NOKEY, "", "cluster", "3.0.0", "O(1)",
        "Promote a replica (this single node is a master: refused).", "[FORCE|TAKEOVER]", cluster::failover), "cluster"), ""),
    tips(sub(c("flushslots", 2, "admin stale no_async_loading", "", NOKEY, "", "cluster", "3.0.0", "O(1)",
        "Unassign every slot of this node (its database must be empty).", "", cluster::flushslots), "cluster"), ""),
    tips(sub(c("forget", 3, "admin stale no_async_loading", "", NOKEY, "", "cluster", "3.0.0", "O(1)",
        "Remove a node from this node's table.", "node-id", cluster::forget), "cluster"), ""),
    tips(sub(c("getkeysinslot", 4, "stale", "", NOKEY, "", "cluster", "3.0.0", "O(log(N)) where N is the number of requested keys",
        "Up to count keys of a slot, newest first.", "slot count", cluster::getkeysinslot), "cluster"), "nondeterministic_output"),
    help_sub("cluster", "loading stale", "", "cluster", "5.0.0", "List the CLUSTER subcommands.", cluster::help),
    tips(sub(c("info", 2, "stale", "", NOKEY, "", "cluster", "3.0.0", "O(1)",
        "The cluster's state: slots assigned, nodes, epochs.", "", cluster::info), "cluster"), "nondeterministic_output"),
    tips(sub(c("keyslot", 3, "stale", "", NOKEY, "", "cluster", "3.0.0", "O(N) where N is the number of bytes in the key",
        "The hash slot of a key: CRC16 of the key (or of its {hash tag}) mod 16384.", "key", cluster::keyslot), "cluster"), ""),
    tips(sub(c("links", 2, "stale", "", NOKEY, "", "cluster", "7.0.0", "O(N) where N is the total number of Cluster nodes",
        "The cluster bus links of this node (none on a single node).", "", cluster::links), "cluster"), "nondeterministic_output"),
    tips(sub(c("meet", -4, "admin stale no_async_loading", "", NOKEY, "", "cluster", "3.0.0", "O(1)",
        "Join another node (not possible here: a single node has no cluster bus).", "ip port [cluster-bus-port]", cluster::meet), "cluster"), ""),
    tips(sub(c("myid", 2, "stale", "", NOKEY, "", "cluster", "3.0.0", "O(1)",
        "This node's 40-character id.", "", cluster::myid), "cluster"), ""),
    tips(sub(c("nodes", 2, "stale", "", NOKEY, "", "cluster", "3.0.0", "O(N) where N is the total number of Cluster nodes",
        "The cluster configuration as this node sees it, one line a node.", "", cluster::nodes), "cluster"), "nondeterministic_output"),
    tips(sub(c("replicas", 3, "admin stale", "", NOKEY, "", "cluster", "5.0.0", "O(1)",
        "The replicas of a master node.", "node-id", cluster::replicas), "cluster"), "nondeterministic_output"),
    tips(sub(c("replicate", 3, "admin stale no_async_loading", "", NOKEY, "", "cluster", "3.0.0", "O(1)",
        "Make this node a replica of another.", "node-id", cluster::replicate), "cluster"), ""),
    tips(sub(c("reset", -2, "admin noscript stale", "", NOKEY, "", "cluster", "3.0.0", "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect.",
        "Forget the slots (HARD: also the epochs and the node id); the database must be empty.", "[HARD|SOFT]", cluster::reset), "cluster"), ""),
    tips(sub(c("saveconfig", 2, "admin stale no_async_loading", "", NOKEY, "", "cluster", "3.0.0", "O(1)",
        "Save the cluster configuration (accepted; nodes.conf is not written).", "", cluster::saveconfig), "cluster"), ""),
    tips(sub(c("set-config-epoch", 3, "admin stale no_async_loading", "", NOKEY, "", "cluster", "3.0.0", "O(1)",
        "Set a fresh node's config epoch.", "config-epoch", cluster::set_config_epoch), "cluster"), ""),
    tips(sub(c("setslot", -4, "admin stale no_async_loading", "", NOKEY, "", "cluster", "3.0.0", "O(1)",
        "Change a slot's state: NODE (assign it), STABLE, MIGRATING, IMPORTING.", "slot <IMPORTING node-id|MIGRATING node-id|NODE node-id|STABLE>", cluster::setslot), "cluster"), ""),
    tips(sub(c("shards", 2, "stale", "", NOKEY, "", "cluster", "7.0.0", "O(N) where N is the total number of cluster nodes",
        "The shards: their slot ranges and nodes.", "", cluster::shards), "cluster"), "nondeterministic_output"),
    tips(sub(c("slaves", 3, "admin stale", "", NOKEY, "", "cluster", "3.0.0", "O(1)",
        "The replicas of a master node (old name of REPLICAS).", "node-id", cluster::replicas), "cluster"), "nondeterministic_output"),
    tips(sub(c("slots", 2, "stale", "", NOKEY, "", "cluster", "3.0.0", "O(N) where N is the total number of Cluster nodes",
        "The slot ranges and the node serving each.", "", cluster::slots), "cluster"), "nondeterministic_output"),
];

static SLOWLOG_SUBS: &[CommandSpec] = &[
    admin_sub("slowlog", "get", -2, "admin loading stale", "2.2.12", "O(N) where N is the number of entries returned",
        "The newest slow-log entries (default 10, -1 for all): id, time, microseconds, arguments, client address, name.", "[count]",
        "request_policy:all_nodes nondeterministic_output", slowlog::slowlog_get),
    help_sub("slowlog", "loading stale", "", SRV, "6.2.0", "List the SLOWLOG subcommands.", slowlog::slowlog_help),
    admin_sub("slowlog", "len", 2, "admin loading stale", "2.2.12", "O(1)",
        "How many entries the slow log holds.", "",
        "request_policy:all_nodes response_policy:agg_sum nondeterministic_output", slowlog::slowlog_len),
    admin_sub("slowlog", "reset", 2, "admin loading stale", "2.2.12", "O(N) where N is the number of entries in the slowlog",
        "Empty the slow log.", "",
        "request_policy:all_nodes response_policy:all_succeeded", slowlog::slowlog_reset),
];

static LATENCY_SUBS: &[CommandSpec] = &[
    admin_sub(
        "latency",
        "doctor",
        2,
        "admin noscript loading stale",
        "2.8.13",
        "O(1)",
        "A human-readable report of the latency spikes seen, with advice.",
        "",
        "nondeterministic_output request_policy:all_nodes response_policy:special",
        slowlog::latency_doctor,
    ),
    help_sub(
        "latency",
        "loading stale",
        "",
        SRV,
        "2.8.13",
        "List the LATENCY subcommands.",
        slowlog::latency_help,
    ),
    admin_sub(
        "latency",
        "history",
        3,
        "admin noscript loading stale",
        "2.8.13",
        "O(1)",
        "The samples of one event: (time, milliseconds) pairs.",
        "event",
        "nondeterministic_output request_policy:all_nodes response_policy:special",
        slowlog::latency_history,
    ),
    admin_sub(
        "latency",
        "latest",
        2,
        "admin noscript loading stale",
        "2.8.13",
        "O(1)",
        "Each event's latest sample and all-time worst.",
        "",
        "nondeterministic_output request_policy:all_nodes response_policy:special",
        slowlog::latency_latest,
    ),
    admin_sub(
        "latency",
        "reset",
        -2,
        "admin noscript loading stale",
        "2.8.13",
        "O(1)",
        "Forget the samples of some events (all when none is named).",
        "[event [event ...]]",
        "request_policy:all_nodes response_policy:all_succeeded",
        slowlog::latency_reset,
    ),
    admin_sub("latency", "graph", 3, "admin noscript loading stale", "2.8.13", "O(1)",
        "An ASCII graph of one event's latency samples.", "event",
        "nondeterministic_output request_policy:all_nodes response_policy:special", slowlog::latency_graph),
    admin_sub("latency", "histogram", -2, "admin noscript loading stale", "7.0.0", "O(N) where N is the number of commands with latency information being retrieved.",
        "Each command's latency distribution: calls, and cumulative counts by power-of-two microseconds.", "[command [command ...]]",
        "nondeterministic_output request_policy:all_nodes response_policy:special", slowlog::latency_histogram),
];

/// A PUBSUB subcommand.
const fn psub(
    name: &'static str,
    arity: i32,
    since: &'static str,
    complexity: &'static str,
    summary: &'static str,
    syntax: &'static str,
    handler: Handler,
) -> CommandSpec {
    sub(
        c(
            name,
            arity,
            "pubsub loading stale",
            "",
            NOKEY,
            "",
            PS,
            since,
            complexity,
            summary,
            syntax,
            handler,
        ),
        "pubsub",
    )
}

const PS: &str = "pubsub";

static PUBSUB_SUBS: &[CommandSpec] = &[
    psub("channels", -2, "2.8.0", "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
        "List the channels with subscribers, optionally matching a pattern.", "[pattern]", pubsub::pubsub_channels),
    help_sub("pubsub", "loading stale", "", PS, "6.2.0", "List the PUBSUB subcommands.", pubsub::pubsub_help),
    psub("numpat", 2, "2.8.0", "O(1)",
        "How many distinct patterns have subscribers.", "", pubsub::pubsub_numpat),
    psub("numsub", -2, "2.8.0", "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
        "Subscriber counts of channels (pattern subscribers not counted).", "[channel [channel ...]]", pubsub::pubsub_numsub),
    psub("shardchannels", -2, "7.0.0", "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
        "List the shard channels with subscribers.", "[pattern]", pubsub::pubsub_shardchannels),
    psub("shardnumsub", -2, "7.0.0", "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
        "Subscriber counts of shard channels.", "[shardchannel [shardchannel ...]]", pubsub::pubsub_shardnumsub),
];

/// A stream container's subcommand whose key is its second argument.
#[allow(clippy::too_many_arguments)]
const fn xsub(
    container: &'static str,
    name: &'static str,
    arity: i32,
    flags: &'static str,
    key_flags: &'static str,
    since: &'static str,
    complexity: &'static str,
    summary: &'static str,
    syntax: &'static str,
    handler: Handler,
) -> CommandSpec {
    sub(
        c(
            name, arity, flags, "stream", SUBK, key_flags, "stream", since, complexity, summary,
            syntax, handler,
        ),
        container,
    )
}

static XGROUP_SUBS: &[CommandSpec] = &[
    xsub("xgroup", "create", -5, "write denyoom", "RW INSERT", "5.0.0", "O(1)",
        "Create a consumer group reading from an ID ($ for new entries only), MKSTREAM to create the stream.",
        "key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]", stream::xgroup_create),
    xsub("xgroup", "createconsumer", 5, "write denyoom", "RW INSERT", "6.2.0", "O(1)",
        "Add a consumer to a group (1 if it was created).", "key group consumer", stream::xgroup_createconsumer),
    xsub("xgroup", "delconsumer", 5, "write", "RW DELETE", "5.0.0", "O(1)",
        "Remove a consumer; its pending entries are dropped (returns how many).", "key group consumer", stream::xgroup_delconsumer),
    xsub("xgroup", "destroy", 4, "write", "RW DELETE", "5.0.0", "O(N) where N is the number of entries in the group's pending entries list (PEL).",
        "Delete a consumer group with its consumers and pending entries.", "key group", stream::xgroup_destroy),
    help_sub("xgroup", "loading stale", "stream", "stream", "5.0.0", "List the XGROUP subcommands.", stream::xgroup_help),
    xsub("xgroup", "setid", -5, "write", "RW UPDATE", "5.0.0", "O(1)",
        "Move a group's last delivered ID.", "key group id|$ [ENTRIESREAD entries-read]", stream::xgroup_setid),
];

static XINFO_SUBS: &[CommandSpec] = &[
    tips(
        xsub(
            "xinfo",
            "consumers",
            4,
            "readonly",
            "RO ACCESS",
            "5.0.0",
            "O(1)",
            "A group's consumers: pending count and idle time.",
            "key group",
            stream::xinfo_consumers,
        ),
        "nondeterministic_output",
    ),
    xsub(
        "xinfo",
        "groups",
        3,
        "readonly",
        "RO ACCESS",
        "5.0.0",
        "O(1)",
        "A stream's consumer groups: consumers, pending, last delivered ID, entries read, lag.",
        "key",
        stream::xinfo_groups,
    ),
    help_sub(
        "xinfo",
        "loading stale",
        "stream",
        "stream",
        "5.0.0",
        "List the XINFO subcommands.",
        stream::xinfo_help,
    ),
    xsub(
        "xinfo",
        "stream",
        -3,
        "readonly",
        "RO ACCESS",
        "5.0.0",
        "O(1)",
        "A stream's length, IDs, counters and edge entries; FULL adds entries, groups and PELs.",
        "key [FULL [COUNT count]]",
        stream::xinfo_stream,
    ),
];

/// Every command, sorted by name.
pub static COMMANDS: &[CommandSpec] = &[
    c("monitor", 1, "admin noscript loading stale", "", NOKEY, "", SRV, "1.0.0", "",
        "Stream every command the server runs, as it runs (this connection then only listens).", "", server::monitor),
    container("slowlog", -2, "", SRV, "2.2.12", "Read and reset the log of slow commands.", SLOWLOG_SUBS),
    container("latency", -2, "", SRV, "2.8.13", "The latency monitor: spikes over latency-monitor-threshold.", LATENCY_SUBS),
    c("psubscribe", -2, "pubsub noscript loading stale", "", NOKEY, "", PS, "2.0.0", "O(N) where N is the number of patterns the client is already subscribed to.",
        "Listen for messages on every channel matching glob patterns.", "pattern [pattern ...]", pubsub::psubscribe),
    c("publish", 3, "pubsub loading stale fast may_replicate", "", NOKEY, "", PS, "2.0.0", "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
        "Send a message to a channel; returns how many subscribers got it (nobody listening: it is lost).", "channel message", pubsub::publish),
    container("pubsub", -2, "", PS, "2.8.0", "Inspect the Pub/Sub state: channels, patterns, subscriber counts.", PUBSUB_SUBS),
    c("punsubscribe", -1, "pubsub noscript loading stale", "", NOKEY, "", PS, "2.0.0", "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
        "Stop listening on patterns (all of them when none is given).", "[pattern [pattern ...]]", pubsub::punsubscribe),
    c("spublish", 3, "pubsub loading stale fast may_replicate", "", K1, "NOT_KEY", PS, "7.0.0", "O(N) where N is the number of clients subscribed to the receiving shard channel.",
        "Send a message to a shard channel.", "shardchannel message", pubsub::spublish),
    c("ssubscribe", -2, "pubsub noscript loading stale", "", KALL, "NOT_KEY", PS, "7.0.0", "O(N) where N is the number of shard channels to subscribe to.",
        "Listen for messages on shard channels.", "shardchannel [shardchannel ...]", pubsub::ssubscribe),
    c("subscribe", -2, "pubsub noscript loading stale", "", NOKEY, "", PS, "2.0.0", "O(N) where N is the number of channels to subscribe to.",
        "Listen for messages on channels; the console then shows them as they arrive.", "channel [channel ...]", pubsub::subscribe),
    c("sunsubscribe", -1, "pubsub noscript loading stale", "", KALL, "NOT_KEY", PS, "7.0.0", "O(N) where N is the number of clients already subscribed to a shard channel.",
        "Stop listening on shard channels (all of them when none is given).", "[shardchannel [shardchannel ...]]", pubsub::sunsubscribe),
    c("unsubscribe", -1, "pubsub noscript loading stale", "", NOKEY, "", PS, "2.0.0", "O(N) where N is the number of clients already subscribed to a channel.",
        "Stop listening on channels (all of them when none is given).", "[channel [channel ...]]", pubsub::unsubscribe),
    c("append", 3, "write denyoom fast", S, K1, "RW INSERT", S, "2.0.0", "O(1)",
        "Add bytes to the end of a string, creating it if needed; returns the new length.", "key value", strings::append),
    c("copy", -3, "write denyoom", "keyspace", K2, "OW UPDATE", G, "6.2.0", "O(N) worst case for collections",
        "Copy a key's value (and TTL) to another key, optionally in another database.", "source destination [DB destination-db] [REPLACE]", keys::copy),
    c("blmove", 6, "write denyoom noscript blocking", "list", K2, "RW ACCESS DELETE", "list", "6.2.0", "O(1)",
        "LMOVE, or wait for an element (timeout in seconds, 0 forever).", "source destination LEFT|RIGHT LEFT|RIGHT timeout", list::blmove),
    c("blmpop", -5, "write blocking movablekeys", "list", NOKEY, "RW ACCESS DELETE", "list", "7.0.0", "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        "LMPOP, or wait for an element.", "timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]", list::blmpop),
    c("blpop", -3, "write noscript blocking", "list", (1, -2, 1), "RW ACCESS DELETE", "list", "2.0.0", "O(N) where N is the number of provided keys.",
        "Pop from the head of the first non-empty list, or wait for one (the queue consumer).", "key [key ...] timeout", list::blpop),
    c("brpop", -3, "write noscript blocking", "list", (1, -2, 1), "RW ACCESS DELETE", "list", "2.0.0", "O(N) where N is the number of provided keys.",
        "Pop from the tail of the first non-empty list, or wait for one.", "key [key ...] timeout", list::brpop),
    c("brpoplpush", 4, "write denyoom noscript blocking", "list", K2, "RW ACCESS DELETE", "list", "2.2.0", "O(1)",
        "RPOPLPUSH, or wait for an element (prefer BLMOVE).", "source destination timeout", list::brpoplpush),
    c("lindex", 3, "readonly", "list", K1, "RO ACCESS", "list", "1.0.0", "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
        "The element at an index (negative from the tail); nil outside.", "key index", list::lindex),
    c("linsert", 5, "write denyoom", "list", K1, "RW INSERT", "list", "2.2.0", "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
        "Insert before or after the first element equal to a pivot.", "key BEFORE|AFTER pivot element", list::linsert),
    c("llen", 2, "readonly fast", "list", K1, "RO", "list", "1.0.0", "O(1)",
        "How many elements a list has.", "key", list::llen),
    c("lmove", 5, "write denyoom", "list", K2, "RW ACCESS DELETE", "list", "6.2.0", "O(1)",
        "Pop from one end of a list and push onto an end of another (or the same).", "source destination LEFT|RIGHT LEFT|RIGHT", list::lmove),
    c("lmpop", -4, "write movablekeys", "list", NOKEY, "RW ACCESS DELETE", "list", "7.0.0", "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        "Pop elements from the first non-empty list.", "numkeys key [key ...] LEFT|RIGHT [COUNT count]", list::lmpop),
    c("lpop", -2, "write fast", "list", K1, "RW ACCESS DELETE", "list", "1.0.0", "O(N) where N is the number of elements returned",
        "Pop elements from the head.", "key [count]", list::lpop),
    c("lpos", -3, "readonly", "list", K1, "RO ACCESS", "list", "6.0.6", "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
        "Positions of matching elements.", "key element [RANK rank] [COUNT num-matches] [MAXLEN len]", list::lpos),
    c("lpush", -3, "write denyoom fast", "list", K1, "RW INSERT", "list", "1.0.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        "Push elements onto the head of a list (the queue producer); returns the new length.", "key element [element ...]", list::lpush),
    c("lpushx", -3, "write denyoom fast", "list", K1, "RW INSERT", "list", "2.2.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        "LPUSH, only onto an existing list.", "key element [element ...]", list::lpushx),
    c("lrange", 4, "readonly", "list", K1, "RO ACCESS", "list", "1.0.0", "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
        "Elements from start to stop (inclusive, negatives from the tail).", "key start stop", list::lrange),
    c("lrem", 4, "write", "list", K1, "RW DELETE", "list", "1.0.0", "O(N+M) where N is the length of the list and M is the number of elements removed.",
        "Remove count occurrences of an element (from the tail when negative, all when 0).", "key count element", list::lrem),
    c("lset", 4, "write denyoom", "list", K1, "RW UPDATE", "list", "1.0.0", "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
        "Replace the element at an index.", "key index element", list::lset),
    c("ltrim", 4, "write", "list", K1, "RW DELETE", "list", "1.0.0", "O(N) where N is the number of elements to be removed by the operation.",
        "Keep only the elements from start to stop (a capped list).", "key start stop", list::ltrim),
    c("rpop", -2, "write fast", "list", K1, "RW ACCESS DELETE", "list", "1.0.0", "O(N) where N is the number of elements returned",
        "Pop elements from the tail.", "key [count]", list::rpop),
    c("rpoplpush", 3, "write denyoom", "list", K2, "RW ACCESS DELETE", "list", "1.2.0", "O(1)",
        "Pop from the tail of one list and push onto the head of another (prefer LMOVE).", "source destination", list::rpoplpush),
    c("rpush", -3, "write denyoom fast", "list", K1, "RW INSERT", "list", "1.0.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        "Push elements onto the tail of a list; returns the new length.", "key element [element ...]", list::rpush),
    c("rpushx", -3, "write denyoom fast", "list", K1, "RW INSERT", "list", "2.2.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        "RPUSH, only onto an existing list.", "key element [element ...]", list::rpushx),
    c("bzmpop", -5, "write blocking movablekeys", "sortedset", NOKEY, "", "sorted-set", "7.0.0", "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        "ZMPOP that waits for data up to a timeout (0 = forever).", "timeout numkeys key [key ...] MIN|MAX [COUNT count]", zset::bzmpop),
    c("bzpopmax", -3, "write noscript fast blocking", "sortedset", (1, -2, 1), "RW ACCESS DELETE", "sorted-set", "5.0.0", "O(log(N)) with N being the number of elements in the sorted set.",
        "ZPOPMAX that waits for data up to a timeout (0 = forever).", "key [key ...] timeout", zset::bzpopmax),
    c("bzpopmin", -3, "write noscript fast blocking", "sortedset", (1, -2, 1), "RW ACCESS DELETE", "sorted-set", "5.0.0", "O(log(N)) with N being the number of elements in the sorted set.",
        "ZPOPMIN that waits for data up to a timeout (0 = forever).", "key [key ...] timeout", zset::bzpopmin),
    tips(c("dbsize", 1, "readonly fast", "keyspace", NOKEY, "", SRV, "1.0.0", "O(1)",
        "How many keys the selected database holds.", "", keys::dbsize), "request_policy:all_shards response_policy:agg_sum"),
    c("decr", 2, "write denyoom fast", S, K1, "RW ACCESS UPDATE", S, "1.0.0", "O(1)",
        "Subtract one from an integer string.", "key", strings::decr),
    c("decrby", 3, "write denyoom fast", S, K1, "RW ACCESS UPDATE", S, "1.0.0", "O(1)",
        "Subtract a whole number from an integer string.", "key decrement", strings::decrby),
    c("debug", -2, "admin noscript loading stale protected", "", NOKEY, "", SRV, "1.0.0", "Depends on subcommand.",
        "Internals for testing: POPULATE count [prefix] [size] fills a database, SET-ACTIVE-EXPIRE 0|1 turns active expiry off or on.", "subcommand [argument ...]", debug::debug),
    tips(c("del", -2, "write", "keyspace", KALL, "RM DELETE", G, "1.0.0", "O(N) for N keys",
        "Remove keys; returns how many existed.", "key [key ...]", keys::del), "request_policy:multi_shard response_policy:agg_sum"),
    c("bitcount", -2, "readonly", "bitmap", K1, "RO ACCESS", "bitmap", "2.6.0", "O(N)",
        "Count the set bits, in the whole string or a BYTE or BIT range.", "key [start end [BYTE|BIT]]", bitmap::bitcount),
    c("bitfield", -2, "write denyoom", "bitmap", K1, "RW UPDATE ACCESS VARIABLE_FLAGS", "bitmap", "3.2.0", "O(1) for each subcommand specified",
        "Read and write integers of any width (i1..i64, u1..u63) at any bit offset, with overflow control.", "key [GET encoding offset|[OVERFLOW WRAP|SAT|FAIL] SET encoding offset value|INCRBY encoding offset increment ...]", bitmap::bitfield),
    c("bitfield_ro", -2, "readonly fast", "bitmap", K1, "RO ACCESS", "bitmap", "6.0.0", "O(1) for each subcommand specified",
        "BITFIELD with GET only, safe on replicas.", "key [GET encoding offset ...]", bitmap::bitfield_ro),
    c("bitop", -4, "write denyoom", "bitmap", (2, -1, 1), "OW UPDATE", "bitmap", "2.6.0", "O(N)",
        "AND, OR, XOR or NOT of strings bit by bit, stored in a destination key.", "AND|OR|XOR|NOT destkey key [key ...]", bitmap::bitop),
    c("bitpos", -3, "readonly", "bitmap", K1, "RO ACCESS", "bitmap", "2.8.7", "O(N)",
        "Position of the first 0 or 1 bit, in the whole string or a range.", "key bit [start [end [BYTE|BIT]]]", bitmap::bitpos),
    container("client", -2, "sentinel", CONN, "2.4.0", "Inspect and name client connections.", CLIENT_SUBS),
    container("cluster", -2, "", "cluster", "3.0.0", "Redis Cluster: hash slots, the slot map, this node (cluster-enabled yes).", CLUSTER_SUBS),
    tips(acl(container("command", -1, "loading stale sentinel", SRV, "2.8.13", "Describe the commands this server knows.", COMMAND_SUBS), "connection"), "nondeterministic_output_order"),
    container("config", -2, "", SRV, "2.0.0", "Read and change configuration at run time.", CONFIG_SUBS),
    container("acl", -2, "", SRV, "6.0.0", "Users and their permissions: who may run which commands on which keys and channels.", ACL_SUBS),
    c("auth", -2, "noscript loading stale fast no_auth sentinel allow_busy", "connection", NOKEY, "", CONN, "1.0.0", "O(N) where N is the number of passwords defined for the user",
        "Log in: AUTH password (the default user) or AUTH username password.", "[username] password", aclcmd::auth),
    c("echo", 2, "loading stale fast", "connection", NOKEY, "", CONN, "1.0.0", "O(1)",
        "Reply with the given message.", "message", server::echo),
    tips(c("exists", -2, "readonly fast", "keyspace", KALL, "RO", G, "1.0.0", "O(N) for N keys",
        "Count how many of the given keys exist (repeats count twice).", "key [key ...]", keys::exists), "request_policy:multi_shard response_policy:agg_sum"),
    c("expire", -3, "write fast", "keyspace", K1, "RW UPDATE", G, "1.0.0", "O(1)",
        "Give a key a time to live in seconds.", "key seconds [NX|XX|GT|LT]", expire::expire),
    c("expireat", -3, "write fast", "keyspace", K1, "RW UPDATE", G, "1.2.0", "O(1)",
        "Make a key expire at a Unix time in seconds.", "key unix-time-seconds [NX|XX|GT|LT]", expire::expireat),
    c("expiretime", 2, "readonly fast", "keyspace", K1, "RO ACCESS", G, "7.0.0", "O(1)",
        "The Unix time in seconds at which a key expires (-1 none, -2 missing).", "key", expire::expiretime),
    c("bgrewriteaof", 1, "admin noscript no_async_loading", "", NOKEY, "", SRV, "1.0.0", "O(1)",
        "Asynchronously rewrite the append-only file", "", persist::bgrewriteaof),
    tips(c("bgsave", -1, "admin noscript no_async_loading", "", NOKEY, "", SRV, "1.0.0", "O(1)",
        "Save the keyspace to the RDB file in the background.", "[SCHEDULE]", persist::bgsave), ""),
    tips(c("dump", 2, "readonly", "keyspace", K1, "RO ACCESS", G, "2.6.0", "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
        "The value of a key in Redis's serialized form (what RESTORE reads).", "key", persist::dump), "nondeterministic_output"),
    tips(c("flushall", -1, "write", "keyspace dangerous", NOKEY, "", SRV, "1.0.0", "O(N) where N is the total number of keys in all databases",
        "Remove every key from every database.", "[ASYNC|SYNC]", keys::flushall), "request_policy:all_shards response_policy:all_succeeded"),
    tips(c("flushdb", -1, "write", "keyspace dangerous", NOKEY, "", SRV, "1.0.0", "O(N) where N is the number of keys in the selected database",
        "Remove every key from the selected database.", "[ASYNC|SYNC]", keys::flushdb), "request_policy:all_shards response_policy:all_succeeded"),
    c("geoadd", -5, "write denyoom", "geo", K1, "RW UPDATE", "geo", "3.2.0", "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        "Add places by longitude and latitude (stored as 52-bit geohash scores in a sorted set).", "key [NX|XX] [CH] longitude latitude member [longitude latitude member ...]", geo::geoadd),
    c("geodist", -4, "readonly", "geo", K1, "RO ACCESS", "geo", "3.2.0", "O(log(N))",
        "The distance between two places, in m, km, ft or mi.", "key member1 member2 [M|KM|FT|MI]", geo::geodist),
    c("geohash", -2, "readonly", "geo", K1, "RO ACCESS", "geo", "3.2.0", "O(log(N)) for each member requested, where N is the number of elements in the sorted set.",
        "Standard 11-character geohash strings of places.", "key [member [member ...]]", geo::geohash),
    c("geopos", -2, "readonly", "geo", K1, "RO ACCESS", "geo", "3.2.0", "O(N) where N is the number of members requested.",
        "Longitude and latitude of places (the centre of their geohash cell).", "key [member [member ...]]", geo::geopos),
    c("georadius", -6, "write denyoom movablekeys", "geo", K1, "RW ACCESS", "geo", "3.2.0", "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        "Places within a radius of a point (prefer GEOSEARCH).", "key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC] [STORE key] [STOREDIST key]", geo::georadius),
    c("georadius_ro", -6, "readonly", "geo", K1, "RO ACCESS", "geo", "3.2.10", "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        "GEORADIUS without STORE.", "key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC]", geo::georadius_ro),
    c("georadiusbymember", -5, "write denyoom movablekeys", "geo", K1, "RW ACCESS", "geo", "3.2.0", "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        "Places within a radius of a member (prefer GEOSEARCH).", "key member radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC] [STORE key] [STOREDIST key]", geo::georadiusbymember),
    c("georadiusbymember_ro", -5, "readonly", "geo", K1, "RO ACCESS", "geo", "3.2.10", "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        "GEORADIUSBYMEMBER without STORE.", "key member radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC]", geo::georadiusbymember_ro),
    c("geosearch", -7, "readonly", "geo", K1, "RO ACCESS", "geo", "6.2.0", "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape",
        "Places inside a circle or a box, around a member or a point.", "key FROMMEMBER member|FROMLONLAT longitude latitude BYRADIUS radius M|KM|FT|MI|BYBOX width height M|KM|FT|MI [ASC|DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]", geo::geosearch),
    c("geosearchstore", -8, "write denyoom", "geo", K2, "OW UPDATE", "geo", "6.2.0", "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape",
        "GEOSEARCH, stored as a geo set (or with STOREDIST, distances as scores).", "destination source FROMMEMBER member|FROMLONLAT longitude latitude BYRADIUS radius M|KM|FT|MI|BYBOX width height M|KM|FT|MI [ASC|DESC] [COUNT count [ANY]] [STOREDIST]", geo::geosearchstore),
    c("get", 2, "readonly fast", S, K1, "RO ACCESS", S, "1.0.0", "O(1)",
        "Read a string value; nil when the key is missing.", "key", strings::get),
    c("getbit", 3, "readonly fast", "bitmap", K1, "RO ACCESS", "bitmap", "2.2.0", "O(1)",
        "The bit at an offset (0 past the end).", "key offset", bitmap::getbit),
    c("getdel", 2, "write fast", S, K1, "RW ACCESS DELETE", S, "6.2.0", "O(1)",
        "Read a string and delete its key in one step.", "key", strings::getdel),
    c("getex", -2, "write fast", S, K1, "RW ACCESS UPDATE", S, "6.2.0", "O(1)",
        "Read a string and set or clear its TTL at the same time.", "key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]", strings::getex),
    c("getrange", 4, "readonly", S, K1, "RO ACCESS", S, "2.4.0", "O(N) where N is the length of the returned string",
        "A substring by byte offsets; negative offsets count from the end.", "key start end", strings::getrange),
    c("getset", 3, "write denyoom fast", S, K1, "RW ACCESS UPDATE", S, "1.0.0", "O(1)",
        "Store a new string and return the old one (prefer SET ... GET).", "key value", strings::getset),
    c("hello", -1, "noscript loading stale fast no_auth sentinel allow_busy", "connection", NOKEY, "", CONN, "6.0.0", "O(1)",
        "Pick the protocol version (2 or 3) and describe the server.", "[protover [AUTH username password] [SETNAME clientname]]", server::hello),
    c("hdel", -3, "write fast", "hash", K1, "RW DELETE", "hash", "2.0.0", "O(N) where N is the number of fields to be removed.",
        "Remove fields from a hash; the key goes when its last field does.", "key field [field ...]", hash::hdel),
    c("hexists", 3, "readonly fast", "hash", K1, "RO", "hash", "2.0.0", "O(1)",
        "Whether a hash has a field (1 or 0).", "key field", hash::hexists),
    c("hget", 3, "readonly fast", "hash", K1, "RO ACCESS", "hash", "2.0.0", "O(1)",
        "The value of one field; nil when the field or the key is missing.", "key field", hash::hget),
    tips(c("hgetall", 2, "readonly", "hash", K1, "RO ACCESS", "hash", "2.0.0", "O(N) where N is the size of the hash.",
        "Every field and value (a big-key risk: prefer HSCAN on large hashes).", "key", hash::hgetall), "nondeterministic_output_order"),
    c("hincrby", 4, "write denyoom fast", "hash", K1, "RW ACCESS UPDATE", "hash", "2.0.0", "O(1)",
        "Add an integer to a field (a missing field counts as 0).", "key field increment", hash::hincrby),
    c("hincrbyfloat", 4, "write denyoom fast", "hash", K1, "RW ACCESS UPDATE", "hash", "2.6.0", "O(1)",
        "Add a decimal number to a field, with long double precision.", "key field increment", hash::hincrbyfloat),
    tips(c("hkeys", 2, "readonly", "hash", K1, "RO ACCESS", "hash", "2.0.0", "O(N) where N is the size of the hash.",
        "Every field of a hash.", "key", hash::hkeys), "nondeterministic_output_order"),
    c("hlen", 2, "readonly fast", "hash", K1, "RO", "hash", "2.0.0", "O(1)",
        "How many fields a hash has.", "key", hash::hlen),
    c("hmget", -3, "readonly fast", "hash", K1, "RO ACCESS", "hash", "2.0.0", "O(N) where N is the number of fields being requested.",
        "The values of several fields, nil for missing ones.", "key field [field ...]", hash::hmget),
    c("hmset", -4, "write denyoom fast", "hash", K1, "RW UPDATE", "hash", "2.0.0", "O(N) where N is the number of fields being set.",
        "Set several fields (deprecated: HSET takes several pairs and counts the new ones).", "key field value [field value ...]", hash::hmset),
    tips(c("hrandfield", -2, "readonly", "hash", K1, "RO ACCESS", "hash", "6.2.0", "O(N) where N is the number of fields returned",
        "Random fields; a negative count may repeat them.", "key [count [WITHVALUES]]", hash::hrandfield), "nondeterministic_output"),
    tips(c("hscan", -3, "readonly", "hash", K1, "RO ACCESS", "hash", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        "Walk a hash's fields and values a few at a time with a cursor.", "key cursor [MATCH pattern] [COUNT count]", hash::hscan), "nondeterministic_output"),
    c("hset", -4, "write denyoom fast", "hash", K1, "RW UPDATE", "hash", "2.0.0", "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
        "Set fields of a hash; returns how many were new.", "key field value [field value ...]", hash::hset),
    c("hsetnx", 4, "write denyoom fast", "hash", K1, "RW INSERT", "hash", "2.0.0", "O(1)",
        "Set a field only if it does not exist yet.", "key field value", hash::hsetnx),
    c("hstrlen", 3, "readonly fast", "hash", K1, "RO", "hash", "3.2.0", "O(1)",
        "The length of a field's value (0 when missing).", "key field", hash::hstrlen),
    tips(c("hvals", 2, "readonly", "hash", K1, "RO ACCESS", "hash", "2.0.0", "O(N) where N is the size of the hash.",
        "Every value of a hash.", "key", hash::hvals), "nondeterministic_output_order"),
    c("incr", 2, "write denyoom fast", S, K1, "RW ACCESS UPDATE", S, "1.0.0", "O(1)",
        "Add one to an integer string (a missing key counts as 0).", "key", strings::incr),
    c("incrby", 3, "write denyoom fast", S, K1, "RW ACCESS UPDATE", S, "1.0.0", "O(1)",
        "Add a whole number to an integer string.", "key increment", strings::incrby),
    c("incrbyfloat", 3, "write denyoom fast", S, K1, "RW ACCESS UPDATE", S, "2.6.0", "O(1)",
        "Add a decimal number to a numeric string (80-bit precision).", "key increment", strings::incrbyfloat),
    tips(c("info", -1, "loading stale sentinel", "dangerous", NOKEY, "", SRV, "1.0.0", "O(1)",
        "Server statistics and settings, by section.", "[section [section ...]]", server::info), "nondeterministic_output request_policy:all_shards response_policy:special"),
    tips(c("keys", 2, "readonly", "keyspace dangerous", NOKEY, "", G, "1.0.0", "O(N) with N being the number of keys in the database",
        "Every key matching a glob pattern. Blocks the server on big databases: use SCAN.", "pattern", keys::keys), "request_policy:all_shards nondeterministic_output_order"),
    c("lcs", -3, "readonly", S, K2, "RO ACCESS", S, "7.0.0", "O(N*M) where N and M are the lengths of s1 and s2, respectively",
        "The longest common subsequence of two strings, its length, or the matching ranges.", "key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]", strings::lcs),
    tips(c("mget", -2, "readonly fast", S, KALL, "RO ACCESS", S, "1.0.0", "O(N) where N is the number of keys to retrieve.",
        "Read several strings at once; nil for missing or non-string keys.", "key [key ...]", strings::mget), "request_policy:multi_shard"),
    tips(c("migrate", -6, "write movablekeys", "keyspace dangerous", (3, 3, 1), "RW ACCESS DELETE", G, "2.6.0", "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.",
        "Move keys to another Redis server (DUMP here, RESTORE there, then DEL here unless COPY). kvlab-server only: the page has no network, so there it answers IOERR connecting.", "host port key|\"\" destination-db timeout [COPY] [REPLACE] [AUTH password|AUTH2 username password] [KEYS key [key ...]]", migrate::migrate), "nondeterministic_output"),
    c("move", 3, "write fast", "keyspace", K1, "RW ACCESS UPDATE", G, "1.0.0", "O(1)",
        "Move a key to another database if it is absent there.", "key db", keys::move_),
    tips(c("mset", -3, "write denyoom", S, KPAIRS, "OW UPDATE", S, "1.0.1", "O(N) where N is the number of keys to set.",
        "Store several strings at once.", "key value [key value ...]", strings::mset), "request_policy:multi_shard response_policy:all_succeeded"),
    tips(c("msetnx", -3, "write denyoom", S, KPAIRS, "OW INSERT", S, "1.0.1", "O(N) where N is the number of keys to set.",
        "Store several strings only if none of the keys exists.", "key value [key value ...]", strings::msetnx), "request_policy:multi_shard response_policy:agg_min"),
    container("memory", -2, "", SRV, "4.0.0", "Memory introspection: how many bytes a key takes.", MEMORY_SUBS),
    container("object", -2, "", G, "2.2.3", "Look inside a key: encoding, refcount, idle time, frequency.", OBJECT_SUBS),
    c("persist", 2, "write fast", "keyspace", K1, "RW UPDATE", G, "2.2.0", "O(1)",
        "Remove a key's TTL so it lives forever.", "key", expire::persist),
    c("pexpire", -3, "write fast", "keyspace", K1, "RW UPDATE", G, "2.6.0", "O(1)",
        "Give a key a time to live in milliseconds.", "key milliseconds [NX|XX|GT|LT]", expire::pexpire),
    c("pexpireat", -3, "write fast", "keyspace", K1, "RW UPDATE", G, "2.6.0", "O(1)",
        "Make a key expire at a Unix time in milliseconds.", "key unix-time-milliseconds [NX|XX|GT|LT]", expire::pexpireat),
    c("pexpiretime", 2, "readonly fast", "keyspace", K1, "RO ACCESS", G, "7.0.0", "O(1)",
        "The Unix time in milliseconds at which a key expires.", "key", expire::pexpiretime),
    c("pfadd", -2, "write denyoom fast", "hyperloglog", K1, "RW INSERT", "hyperloglog", "2.8.9", "O(1) to add every element.",
        "Add elements to a HyperLogLog (creating it); 1 if its estimate may have changed.", "key [element [element ...]]", hll::pfadd),
    c("pfcount", -2, "readonly may_replicate", "hyperloglog", KALL, "RW ACCESS", "hyperloglog", "2.8.9", "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
        "Estimated number of distinct elements (of the union, for several keys).", "key [key ...]", hll::pfcount),
    c("pfdebug", 3, "write denyoom admin", "hyperloglog", SUBK, "RW ACCESS", "hyperloglog", "2.8.9", "N/A",
        "Inspect an HLL: GETREG (all registers), DECODE (sparse opcodes), ENCODING, TODENSE.", "subcommand key", hll::pfdebug),
    c("pfmerge", -2, "write denyoom", "hyperloglog", KALL, "RW ACCESS INSERT", "hyperloglog", "2.8.9", "O(N) to merge N HyperLogLogs, but with high constant times.",
        "Store the union of HyperLogLogs (register-wise maximum) in the first key.", "destkey [sourcekey [sourcekey ...]]", hll::pfmerge),
    c("pfselftest", 1, "admin", "hyperloglog", NOKEY, "", "hyperloglog", "2.8.9", "N/A",
        "Check the HyperLogLog implementation.", "", hll::pfselftest),
    c("psync", -3, "admin noscript no_async_loading no_multi", "", NOKEY, "", SRV, "2.8.0", "",
        "What a replica sends to get the replication stream (partial, or after a full RDB image).", "replicationid offset", repl::psync),
    c("replconf", -1, "admin noscript loading stale allow_busy", "", NOKEY, "", SRV, "3.0.0", "O(1)",
        "What a replica tells its master of itself (listening-port, capa) and of its offset (ACK).", "", repl::replconf),
    c("replicaof", 3, "admin noscript stale no_async_loading", "", NOKEY, "", SRV, "5.0.0", "O(1)",
        "Follow a master (host port), or stop following (NO ONE).", "host port", repl::replicaof),
    c("slaveof", 3, "admin noscript stale no_async_loading", "", NOKEY, "", SRV, "1.0.0", "O(1)",
        "REPLICAOF under its old name.", "host port", repl::replicaof),
    c("role", 1, "noscript loading stale fast", "admin dangerous", NOKEY, "", SRV, "2.8.12", "O(1)",
        "This server's part in replication: master, its offset and its replicas.", "", repl::role),
    c("sync", 1, "admin noscript no_async_loading no_multi", "", NOKEY, "", SRV, "1.0.0", "",
        "The old full synchronisation a replica asks for (the RDB image, then the stream).", "", repl::sync),
    tips(c("wait", 3, "noscript", "connection", NOKEY, "", G, "3.0.0", "O(1)",
        "Wait until numreplicas replicas acknowledged this client's writes, or timeout milliseconds (0: for ever).", "numreplicas timeout", repl::wait), "request_policy:all_shards response_policy:agg_min"),
    tips(c("lastsave", 1, "loading stale fast", "admin dangerous", NOKEY, "", SRV, "1.0.0", "O(1)",
        "Unix time of the last successful save.", "", persist::lastsave), "nondeterministic_output"),
    c("restore", -4, "write denyoom", "keyspace dangerous", K1, "OW UPDATE", G, "2.6.0", "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
        "Create a key from a DUMP payload.", "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]", persist::restore),
    c("restore-asking", -4, "write denyoom asking", "keyspace dangerous", K1, "OW UPDATE", SRV, "3.0.0", "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
        "RESTORE as a cluster's MIGRATE sends it (the key may be in a slot being imported).", "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]", persist::restore),
    c("shutdown", -1, "admin noscript loading stale no_multi allow_busy", "", NOKEY, "", SRV, "1.0.0", "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
        "Save (as the save points say) and stop the server; in the page, restart it from its files.", "[NOSAVE|SAVE] [NOW] [FORCE] [ABORT]", persist::shutdown),
    c("save", 1, "admin noscript no_async_loading no_multi", "", NOKEY, "", SRV, "1.0.0", "O(N) where N is the total number of keys in all databases",
        "Save the keyspace to the RDB file, blocking the server.", "", persist::save),
    tips(c("ping", -1, "fast sentinel", "connection", NOKEY, "", CONN, "1.0.0", "O(1)",
        "Check the connection: PONG, or the message echoed.", "[message]", server::ping), "request_policy:all_shards response_policy:all_succeeded"),
    c("psetex", 4, "write denyoom", S, K1, "OW UPDATE", S, "2.6.0", "O(1)",
        "Store a string with a TTL in milliseconds.", "key milliseconds value", strings::psetex),
    tips(c("pttl", 2, "readonly fast", "keyspace", K1, "RO ACCESS", G, "2.6.0", "O(1)",
        "Milliseconds a key has left (-1 no TTL, -2 missing).", "key", expire::pttl), "nondeterministic_output"),
    c("quit", -1, "allow_busy noscript loading stale fast no_auth", "connection", NOKEY, "", CONN, "1.0.0", "O(1)",
        "Close the connection after replying OK.", "", server::quit),
    tips(c("randomkey", 1, "readonly touches_arbitrary_keys", "keyspace", NOKEY, "", G, "1.0.0", "O(1)",
        "A key picked at random, or nil when the database is empty.", "", keys::randomkey), "request_policy:all_shards nondeterministic_output"),
    c("rename", 3, "write", "keyspace", K2, "RW ACCESS DELETE", G, "1.0.0", "O(1)",
        "Rename a key, replacing any key with the new name.", "key newkey", keys::rename),
    c("renamenx", 3, "write fast", "keyspace", K2, "RW ACCESS DELETE", G, "1.0.0", "O(1)",
        "Rename a key only if the new name is free.", "key newkey", keys::renamenx),
    c("reset", 1, "noscript loading stale fast no_auth allow_busy", "connection", NOKEY, "", CONN, "6.2.0", "O(1)",
        "Return this connection to its initial state (db 0, RESP2, no name).", "", server::reset),
    tips(c("scan", -2, "readonly touches_arbitrary_keys", "keyspace", NOKEY, "", G, "2.8.0", "O(1) for every call. O(N) for a complete iteration",
        "Walk the keyspace a few keys at a time with a cursor; safe on big databases.", "cursor [MATCH pattern] [COUNT count] [TYPE type]", keys::scan), "nondeterministic_output request_policy:special"),
    c("select", 2, "loading stale fast", "connection", NOKEY, "", CONN, "1.0.0", "O(1)",
        "Switch this connection to another database (0-15).", "index", server::select),
    c("sadd", -3, "write denyoom fast", "set", K1, "RW INSERT", "set", "1.0.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        "Add members to a set; returns how many were new.", "key member [member ...]", set::sadd),
    c("scard", 2, "readonly fast", "set", K1, "RO", "set", "1.0.0", "O(1)",
        "How many members a set has.", "key", set::scard),
    tips(c("sdiff", -2, "readonly", "set", KALL, "RO ACCESS", "set", "1.0.0", "O(N) where N is the total number of elements in all given sets.",
        "Members of the first set that are in none of the others.", "key [key ...]", set::sdiff), "nondeterministic_output_order"),
    c("sdiffstore", -3, "write denyoom", "set", KALL, "OW UPDATE", "set", "1.0.0", "O(N) where N is the total number of elements in all given sets.",
        "SDIFF, stored in a destination key.", "destination key [key ...]", set::sdiffstore),
    tips(c("sinter", -2, "readonly", "set", KALL, "RO ACCESS", "set", "1.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        "Members in every given set.", "key [key ...]", set::sinter), "nondeterministic_output_order"),
    c("sintercard", -3, "readonly movablekeys", "set", NOKEY, "RO ACCESS", "set", "7.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        "How many members the sets have in common, counting up to LIMIT.", "numkeys key [key ...] [LIMIT limit]", set::sintercard),
    c("sinterstore", -3, "write denyoom", "set", KALL, "RW UPDATE", "set", "1.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        "SINTER, stored in a destination key.", "destination key [key ...]", set::sinterstore),
    c("sismember", 3, "readonly fast", "set", K1, "RO", "set", "1.0.0", "O(1)",
        "Whether a member is in a set (1 or 0).", "key member", set::sismember),
    tips(c("smembers", 2, "readonly", "set", K1, "RO ACCESS", "set", "1.0.0", "O(N) where N is the set cardinality.",
        "Every member of a set (a big-key risk: prefer SSCAN on large sets).", "key", set::smembers), "nondeterministic_output_order"),
    c("smismember", -3, "readonly fast", "set", K1, "RO ACCESS", "set", "6.2.0", "O(N) where N is the number of elements being checked for membership",
        "Whether each member is in a set.", "key member [member ...]", set::smismember),
    c("smove", 4, "write fast", "set", K2, "RW ACCESS DELETE", "set", "1.0.0", "O(1)",
        "Move a member from one set to another.", "source destination member", set::smove),
    tips(c("spop", -2, "write fast", "set", K1, "RW ACCESS DELETE", "set", "1.0.0", "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
        "Remove and return random members.", "key [count]", set::spop), "nondeterministic_output"),
    tips(c("srandmember", -2, "readonly", "set", K1, "RO ACCESS", "set", "1.0.0", "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
        "Random members; a negative count may repeat them.", "key [count]", set::srandmember), "nondeterministic_output"),
    c("srem", -3, "write fast", "set", K1, "RW DELETE", "set", "1.0.0", "O(N) where N is the number of members to be removed.",
        "Remove members from a set; the key goes with its last member.", "key member [member ...]", set::srem),
    tips(c("sscan", -3, "readonly", "set", K1, "RO ACCESS", "set", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        "Walk a set's members a few at a time with a cursor.", "key cursor [MATCH pattern] [COUNT count]", set::sscan), "nondeterministic_output"),
    tips(c("sunion", -2, "readonly", "set", KALL, "RO ACCESS", "set", "1.0.0", "O(N) where N is the total number of elements in all given sets.",
        "Members in any of the given sets.", "key [key ...]", set::sunion), "nondeterministic_output_order"),
    c("sunionstore", -3, "write denyoom", "set", KALL, "OW UPDATE", "set", "1.0.0", "O(N) where N is the total number of elements in all given sets.",
        "SUNION, stored in a destination key.", "destination key [key ...]", set::sunionstore),
    c("set", -3, "write denyoom", S, K1, "RW ACCESS UPDATE VARIABLE_FLAGS", S, "1.0.0", "O(1)",
        "Store a string, with optional TTL, conditions (NX/XX) and the old value (GET).", "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]", strings::set),
    c("setbit", 4, "write denyoom", "bitmap", K1, "RW ACCESS UPDATE", "bitmap", "2.2.0", "O(1)",
        "Set or clear the bit at an offset, growing the string; returns the old bit.", "key offset value", bitmap::setbit),
    c("setex", 4, "write denyoom", S, K1, "OW UPDATE", S, "2.0.0", "O(1)",
        "Store a string with a TTL in seconds.", "key seconds value", strings::setex),
    c("setnx", 3, "write denyoom fast", S, K1, "OW INSERT", S, "1.0.0", "O(1)",
        "Store a string only if the key does not exist; 1 if stored.", "key value", strings::setnx),
    c("setrange", 4, "write denyoom", S, K1, "RW UPDATE", S, "2.2.0", "O(1), not counting the time taken to copy the new string in place.",
        "Overwrite part of a string at a byte offset, padding with zero bytes.", "key offset value", strings::setrange),
    c("sort", -2, "write denyoom movablekeys", "set sortedset list dangerous", K1, "RO ACCESS", G, "1.0.0", "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
        "Sort a list, set or sorted set (numbers, or strings with ALPHA), optionally by other keys' values, fetching other keys, storing the result as a list.", "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA] [STORE destination]", sort::sort),
    c("sort_ro", -2, "readonly movablekeys", "set sortedset list dangerous", K1, "RO ACCESS", G, "7.0.0", "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
        "SORT without STORE: safe on replicas and in read-only scripts.", "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA]", sort::sort_ro),
    c("strlen", 2, "readonly fast", S, K1, "RO", S, "2.2.0", "O(1)",
        "The length of a string in bytes (0 when missing).", "key", strings::strlen),
    c("substr", 4, "readonly", S, K1, "RO ACCESS", S, "1.0.0", "O(N) where N is the length of the returned string",
        "Old name of GETRANGE.", "key start end", strings::getrange),
    c("swapdb", 3, "write fast", "keyspace dangerous", NOKEY, "", SRV, "4.0.0", "O(N) where N is the count of clients watching or blocking on keys from both databases.",
        "Exchange the contents of two databases.", "index1 index2", keys::swapdb),
    tips(c("time", 1, "loading stale fast", "", NOKEY, "", SRV, "2.6.0", "O(1)",
        "The server's clock: seconds and microseconds.", "", server::time), "nondeterministic_output"),
    tips(c("touch", -2, "readonly fast", "keyspace", KALL, "RO", G, "3.2.1", "O(N) where N is the number of keys that will be touched.",
        "Mark keys as just used (resets idle time); returns how many exist.", "key [key ...]", keys::touch), "request_policy:multi_shard response_policy:agg_sum"),
    tips(c("ttl", 2, "readonly fast", "keyspace", K1, "RO ACCESS", G, "1.0.0", "O(1)",
        "Seconds a key has left (-1 no TTL, -2 missing).", "key", expire::ttl), "nondeterministic_output"),
    c("type", 2, "readonly fast", "keyspace", K1, "RO", G, "1.0.0", "O(1)",
        "The type of a key's value, or none.", "key", keys::type_),
    tips(c("unlink", -2, "write fast", "keyspace", KALL, "RM DELETE", G, "4.0.0", "O(1) for each key removed regardless of its size.",
        "Remove keys, freeing big values in the background.", "key [key ...]", keys::unlink), "request_policy:multi_shard response_policy:agg_sum"),
    c("zadd", -4, "write denyoom fast", "sortedset", K1, "RW UPDATE", "sorted-set", "1.2.0", "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        "Add members with scores, or change scores (NX/XX/GT/LT/CH/INCR).", "key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]", zset::zadd),
    c("zincrby", 4, "write denyoom fast", "sortedset", K1, "RW ACCESS UPDATE", "sorted-set", "1.2.0", "O(log(N)) where N is the number of elements in the sorted set.",
        "Add to a member's score (creating it at the increment).", "key increment member", zset::zincrby),
    c("zscore", 3, "readonly fast", "sortedset", K1, "RO ACCESS", "sorted-set", "1.2.0", "O(1)",
        "A member's score, or nil.", "key member", zset::zscore),
    c("zmscore", -3, "readonly fast", "sortedset", K1, "RO ACCESS", "sorted-set", "6.2.0", "O(N) where N is the number of members being requested.",
        "The scores of several members (nil for missing ones).", "key member [member ...]", zset::zmscore),
    c("zcard", 2, "readonly fast", "sortedset", K1, "RO", "sorted-set", "1.2.0", "O(1)",
        "How many members a sorted set has.", "key", zset::zcard),
    c("zcount", 4, "readonly fast", "sortedset", K1, "RO ACCESS", "sorted-set", "2.0.0", "O(log(N)) with N being the number of elements in the sorted set.",
        "How many members have a score in a range.", "key min max", zset::zcount),
    c("zlexcount", 4, "readonly fast", "sortedset", K1, "RO ACCESS", "sorted-set", "2.8.9", "O(log(N)) with N being the number of elements in the sorted set.",
        "How many members lie in a lexical range (equal scores).", "key min max", zset::zlexcount),
    c("zrank", 3, "readonly fast", "sortedset", K1, "RO ACCESS", "sorted-set", "2.0.0", "O(log(N))",
        "A member's position from the lowest score (0-based).", "key member", zset::zrank),
    c("zrevrank", 3, "readonly fast", "sortedset", K1, "RO ACCESS", "sorted-set", "2.0.0", "O(log(N))",
        "A member's position from the highest score (0-based).", "key member", zset::zrevrank),
    c("zrange", -4, "readonly", "sortedset", K1, "RO ACCESS", "sorted-set", "1.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "Members by rank, score or lex range, optionally reversed, with scores or a LIMIT.", "key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]", zset::zrange),
    c("zrangestore", -5, "write denyoom", "sortedset", K2, "OW UPDATE", "sorted-set", "6.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
        "ZRANGE, storing the result in another key.", "dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]", zset::zrangestore),
    c("zrangebyscore", -4, "readonly", "sortedset", K1, "RO ACCESS", "sorted-set", "1.0.5", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "Members with scores in a range, lowest first (prefer ZRANGE BYSCORE).", "key min max [WITHSCORES] [LIMIT offset count]", zset::zrangebyscore),
    c("zrevrangebyscore", -4, "readonly", "sortedset", K1, "RO ACCESS", "sorted-set", "2.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "Members with scores in a range, highest first (prefer ZRANGE BYSCORE REV).", "key max min [WITHSCORES] [LIMIT offset count]", zset::zrevrangebyscore),
    c("zrevrange", -4, "readonly", "sortedset", K1, "RO ACCESS", "sorted-set", "1.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "Members by rank, highest score first (prefer ZRANGE REV).", "key start stop [WITHSCORES]", zset::zrevrange),
    c("zrangebylex", -4, "readonly", "sortedset", K1, "RO ACCESS", "sorted-set", "2.8.9", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "Members in a lexical range (prefer ZRANGE BYLEX).", "key min max [LIMIT offset count]", zset::zrangebylex),
    c("zrevrangebylex", -4, "readonly", "sortedset", K1, "RO ACCESS", "sorted-set", "2.8.9", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "Members in a lexical range, reversed (prefer ZRANGE BYLEX REV).", "key max min [LIMIT offset count]", zset::zrevrangebylex),
    c("zrem", -3, "write fast", "sortedset", K1, "RW DELETE", "sorted-set", "1.2.0", "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
        "Remove members.", "key member [member ...]", zset::zrem),
    c("zremrangebyrank", 4, "write", "sortedset", K1, "RW DELETE", "sorted-set", "2.0.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        "Remove the members in a rank range.", "key start stop", zset::zremrangebyrank),
    c("zremrangebyscore", 4, "write", "sortedset", K1, "RW DELETE", "sorted-set", "1.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        "Remove the members in a score range.", "key min max", zset::zremrangebyscore),
    c("zremrangebylex", 4, "write", "sortedset", K1, "RW DELETE", "sorted-set", "2.8.9", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        "Remove the members in a lexical range.", "key min max", zset::zremrangebylex),
    c("zpopmin", -2, "write fast", "sortedset", K1, "RW ACCESS DELETE", "sorted-set", "5.0.0", "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        "Remove and return the lowest-scored members.", "key [count]", zset::zpopmin),
    c("zpopmax", -2, "write fast", "sortedset", K1, "RW ACCESS DELETE", "sorted-set", "5.0.0", "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        "Remove and return the highest-scored members.", "key [count]", zset::zpopmax),
    c("zmpop", -4, "write movablekeys", "sortedset", NOKEY, "RW ACCESS DELETE", "sorted-set", "7.0.0", "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        "Pop from the first non-empty of several sorted sets.", "numkeys key [key ...] MIN|MAX [COUNT count]", zset::zmpop),
    tips(c("zrandmember", -2, "readonly", "sortedset", K1, "RO ACCESS", "sorted-set", "6.2.0", "O(N) where N is the number of elements returned",
        "Random members (a negative count allows repeats).", "key [count [WITHSCORES]]", zset::zrandmember), "nondeterministic_output"),
    c("zunion", -3, "readonly movablekeys", "sortedset", NOKEY, "RO ACCESS", "sorted-set", "6.2.0", "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        "The union of sorted sets, with weights and an aggregate.", "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]", zset::zunion),
    c("zinter", -3, "readonly movablekeys", "sortedset", NOKEY, "RO ACCESS", "sorted-set", "6.2.0", "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        "The intersection of sorted sets, with weights and an aggregate.", "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]", zset::zinter),
    c("zdiff", -3, "readonly movablekeys", "sortedset", NOKEY, "RO ACCESS", "sorted-set", "6.2.0", "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        "Members of the first sorted set that are in none of the others.", "numkeys key [key ...] [WITHSCORES]", zset::zdiff),
    c("zunionstore", -4, "write denyoom movablekeys", "sortedset", K1, "OW UPDATE", "sorted-set", "2.0.0", "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        "ZUNION, stored in a key.", "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]", zset::zunionstore),
    c("zinterstore", -4, "write denyoom movablekeys", "sortedset", K1, "OW UPDATE", "sorted-set", "2.0.0", "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        "ZINTER, stored in a key.", "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]", zset::zinterstore),
    c("zdiffstore", -4, "write denyoom movablekeys", "sortedset", K1, "OW UPDATE", "sorted-set", "6.2.0", "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        "ZDIFF, stored in a key.", "destination numkeys key [key ...]", zset::zdiffstore),
    c("zintercard", -3, "readonly movablekeys", "sortedset", NOKEY, "RO ACCESS", "sorted-set", "7.0.0", "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
        "The size of an intersection, optionally stopping at a limit.", "numkeys key [key ...] [LIMIT limit]", zset::zintercard),
    tips(c("zscan", -3, "readonly", "sortedset", K1, "RO ACCESS", "sorted-set", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        "Walk a sorted set's members and scores with a cursor.", "key cursor [MATCH pattern] [COUNT count]", zset::zscan), "nondeterministic_output"),
    // Streams.
    tips(c("xadd", -5, "write denyoom fast", "stream", K1, "RW UPDATE", "stream", "5.0.0", "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
        "Append an entry (ID * for the clock), optionally trimming by MAXLEN or MINID.", "key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]", stream::xadd), "nondeterministic_output"),
    c("xlen", 2, "readonly fast", "stream", K1, "RO", "stream", "5.0.0", "O(1)",
        "How many entries a stream has.", "key", stream::xlen),
    c("xrange", -4, "readonly", "stream", K1, "RO ACCESS", "stream", "5.0.0", "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
        "Entries between two IDs (- and + for the ends, ( to exclude).", "key start end [COUNT count]", stream::xrange),
    c("xrevrange", -4, "readonly", "stream", K1, "RO ACCESS", "stream", "5.0.0", "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
        "XRANGE from the newest entry backwards.", "key end start [COUNT count]", stream::xrevrange),
    c("xdel", -3, "write fast", "stream", K1, "RW DELETE", "stream", "5.0.0", "O(1) for each single item to delete in the stream, regardless of the stream size.",
        "Delete entries by ID (they are flagged in their node); returns how many.", "key id [id ...]", stream::xdel),
    tips(c("xtrim", -4, "write", "stream", K1, "RW DELETE", "stream", "5.0.0", "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.",
        "Drop the oldest entries by MAXLEN or MINID (~ drops whole nodes only).", "key MAXLEN|MINID [=|~] threshold [LIMIT count]", stream::xtrim), "nondeterministic_output"),
    c("xread", -4, "readonly blocking movablekeys", "stream", NOKEY, "RO ACCESS", "stream", "5.0.0", "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.",
        "Entries after an ID in one or more streams ($ for new ones), optionally waiting.", "[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]", stream::xread),
    c("xreadgroup", -7, "write blocking movablekeys", "stream", NOKEY, "RO ACCESS", "stream", "5.0.0", "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
        "Read as a consumer of a group: > for new entries (made pending), an ID for its own history.", "GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]", stream::xreadgroup),
    c("xack", -4, "write fast", "stream", K1, "RW UPDATE", "stream", "5.0.0", "O(1) for each message ID processed.",
        "Acknowledge pending entries of a group; returns how many were pending.", "key group id [id ...]", stream::xack),
    tips(c("xpending", -3, "readonly", "stream", K1, "RO ACCESS", "stream", "5.0.0", "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
        "A group's pending entries: a summary, or entries with owner, idle time and deliveries.", "key group [[IDLE min-idle-time] start end count [consumer]]", stream::xpending), "nondeterministic_output"),
    tips(c("xclaim", -6, "write fast", "stream", K1, "RW UPDATE", "stream", "5.0.0", "O(log N) with N being the number of messages in the PEL of the consumer group.",
        "Take over pending entries idle for at least a time.", "key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]", stream::xclaim), "nondeterministic_output"),
    tips(c("xautoclaim", -6, "write fast", "stream", K1, "RW DELETE", "stream", "6.2.0", "O(1) if COUNT is small.",
        "Scan the group's pending entries from an ID and claim the idle ones.", "key group consumer min-idle-time start [COUNT count] [JUSTID]", stream::xautoclaim), "nondeterministic_output"),
    c("xsetid", -3, "write denyoom fast", "stream", K1, "RW UPDATE", "stream", "5.0.0", "O(1)",
        "Set a stream's last ID (and entries-added, max-deleted-entry-id).", "key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]", stream::xsetid),
    container("xgroup", -2, "", "stream", "5.0.0", "Consumer groups: CREATE, SETID, DESTROY, CREATECONSUMER, DELCONSUMER.", XGROUP_SUBS),
    container("xinfo", -2, "", "stream", "5.0.0", "Look inside a stream: STREAM, GROUPS, CONSUMERS.", XINFO_SUBS),
    // Transactions.
    c("multi", 1, "noscript loading stale fast allow_busy", "transaction", NOKEY, "", "transactions", "1.2.0", "O(1)",
        "Start a transaction: the commands that follow are queued until EXEC.", "", multi::multi),
    c("exec", 1, "noscript loading stale skip_slowlog", "transaction", NOKEY, "", "transactions", "1.2.0", "Depends on commands in the transaction",
        "Run the queued commands at once (a null reply when a WATCHed key changed).", "", multi::exec),
    c("discard", 1, "noscript loading stale fast allow_busy", "transaction", NOKEY, "", "transactions", "2.0.0", "O(N), when N is the number of queued commands",
        "Drop the queued commands and leave MULTI.", "", multi::discard),
    c("watch", -2, "noscript loading stale fast allow_busy", "transaction", KALL, "RO", "transactions", "2.2.0", "O(1) for every key.",
        "Make the next EXEC fail if any of these keys changes first (check-and-set).", "key [key ...]", multi::watch),
    c("unwatch", 1, "noscript loading stale fast allow_busy", "transaction", NOKEY, "", "transactions", "2.2.0", "O(1)",
        "Forget all WATCHed keys.", "", multi::unwatch),
    // Scripting.
    c("eval", -3, "noscript stale skip_monitor no_mandatory_keys movablekeys may_replicate", "scripting", NOKEY, "RW ACCESS UPDATE", "scripting", "2.6.0", "Depends on the script that is executed.",
        "Run a Lua script (KEYS and ARGV after numkeys); it is cached by its SHA-1.", "script numkeys [key [key ...]] [arg [arg ...]]", scripting::eval),
    c("evalsha", -3, "noscript stale skip_monitor no_mandatory_keys movablekeys may_replicate", "scripting", NOKEY, "RW ACCESS UPDATE", "scripting", "2.6.0", "Depends on the script that is executed.",
        "Run a cached script by its SHA-1 (SCRIPT LOAD or an earlier EVAL).", "sha1 numkeys [key [key ...]] [arg [arg ...]]", scripting::evalsha),
    c("eval_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys movablekeys", "scripting", NOKEY, "RO ACCESS", "scripting", "7.0.0", "Depends on the script that is executed.",
        "EVAL for a script that only reads.", "script numkeys [key [key ...]] [arg [arg ...]]", scripting::eval_ro),
    c("evalsha_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys movablekeys", "scripting", NOKEY, "RO ACCESS", "scripting", "7.0.0", "Depends on the script that is executed.",
        "EVALSHA for a script that only reads.", "sha1 numkeys [key [key ...]] [arg [arg ...]]", scripting::evalsha_ro),
    c("fcall", -3, "noscript stale skip_monitor no_mandatory_keys movablekeys may_replicate", "scripting", NOKEY, "RW ACCESS UPDATE", "scripting", "7.0.0", "Depends on the function that is executed.",
        "Call a function of a loaded library.", "function numkeys [key [key ...]] [arg [arg ...]]", scripting::fcall),
    c("fcall_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys movablekeys", "scripting", NOKEY, "RO ACCESS", "scripting", "7.0.0", "Depends on the function that is executed.",
        "Call a no-writes function of a loaded library.", "function numkeys [key [key ...]] [arg [arg ...]]", scripting::fcall_ro),
    container("script", -2, "", "scripting", "2.6.0", "The script cache: LOAD, EXISTS, FLUSH, KILL.", SCRIPT_SUBS),
    container("function", -2, "", "scripting", "7.0.0", "Function libraries: LOAD, LIST, DELETE, FLUSH, DUMP, RESTORE, STATS.", FUNCTION_SUBS),
    // RedisBloom 2.6 (module "bf"): Bloom and cuckoo filters, Count-Min Sketch, Top-K.
    m("bf.reserve", "write denyoom module", "Create an empty Bloom filter with an error rate and a capacity.", "key error_rate capacity [EXPANSION expansion] [NONSCALING]", bloom::bf_reserve),
    m("bf.add", "write denyoom module", "Add an item to a Bloom filter (creating it); 1 if it was not there.", "key item", bloom::bf_add),
    m("bf.madd", "write denyoom module", "Add items to a Bloom filter (creating it).", "key item [item ...]", bloom::bf_add),
    m("bf.insert", "write denyoom module", "Add items, creating the filter with the options given.", "key [CAPACITY capacity] [ERROR error] [EXPANSION expansion] [NOCREATE] [NONSCALING] ITEMS item [item ...]", bloom::bf_insert),
    m("bf.exists", "readonly fast module", "Whether an item may be in a Bloom filter (0: surely not).", "key item", bloom::bf_exists),
    m("bf.mexists", "readonly fast module", "Whether items may be in a Bloom filter.", "key item [item ...]", bloom::bf_exists),
    m("bf.info", "readonly fast module", "A Bloom filter's capacity, size, sub-filters, items and expansion.", "key [CAPACITY|SIZE|FILTERS|ITEMS|EXPANSION]", bloom::bf_info),
    m("bf.debug", "readonly fast module", "A Bloom filter's sub-filters: bytes, bits, hashes, capacity, items, error rate.", "key", bloom::bf_debug),
    m("bf.card", "readonly fast module", "How many items were added to a Bloom filter.", "key", bloom::bf_card),
    m("bf.scandump", "readonly fast module", "Dump a Bloom filter in chunks (iterator 0 first).", "key iterator", bloom::bf_scandump),
    m("bf.loadchunk", "write denyoom module", "Restore a Bloom filter from BF.SCANDUMP's chunks.", "key iterator data", bloom::bf_loadchunk),
    m("cf.reserve", "write denyoom module", "Create an empty cuckoo filter.", "key capacity [BUCKETSIZE bucketsize] [MAXITERATIONS maxiterations] [EXPANSION expansion]", bloom::cf_reserve),
    m("cf.add", "write denyoom module", "Add an item to a cuckoo filter (creating it), even if it is there.", "key item", bloom::cf_add),
    m("cf.addnx", "write denyoom module", "Add an item to a cuckoo filter unless it may be there.", "key item", bloom::cf_add),
    m("cf.insert", "write denyoom module", "Add items to a cuckoo filter, creating it with a capacity.", "key [CAPACITY capacity] [NOCREATE] ITEMS item [item ...]", bloom::cf_insert),
    m("cf.insertnx", "write denyoom module", "Add items unless they may be there.", "key [CAPACITY capacity] [NOCREATE] ITEMS item [item ...]", bloom::cf_insert),
    m("cf.exists", "readonly fast module", "Whether an item may be in a cuckoo filter.", "key item", bloom::cf_check),
    m("cf.mexists", "readonly fast module", "Whether items may be in a cuckoo filter.", "key item [item ...]", bloom::cf_check),
    m("cf.count", "readonly fast module", "How many times an item's fingerprint is in a cuckoo filter.", "key item", bloom::cf_check),
    m("cf.del", "write fast module", "Delete one copy of an item from a cuckoo filter.", "key item", bloom::cf_del),
    m("cf.scandump", "readonly fast module", "Dump a cuckoo filter in chunks (iterator 0 first).", "key iterator", bloom::cf_scandump),
    m("cf.loadchunk", "write denyoom module", "Restore a cuckoo filter from CF.SCANDUMP's chunks.", "key iterator data", bloom::cf_loadchunk),
    m("cf.compact", "readonly fast module", "Move fingerprints into older sub-filters, freeing the newest ones that empty.", "key", bloom::cf_compact),
    m("cf.debug", "readonly fast module", "A cuckoo filter's bucket size, buckets, items, deletes, sub-filters and settings.", "key", bloom::cf_debug),
    m("cf.info", "readonly fast module", "A cuckoo filter's size, buckets, sub-filters, items and settings.", "key", bloom::cf_info),
    m("cms.initbydim", "write denyoom module", "Create a Count-Min Sketch of width x depth counters.", "key width depth", bloom::cms_init),
    m("cms.initbyprob", "write denyoom module", "Create a Count-Min Sketch for an error and a probability.", "key error probability", bloom::cms_init),
    m("cms.incrby", "write denyoom module", "Count items; replies with their new estimates.", "key item increment [item increment ...]", bloom::cms_incrby),
    m("cms.query", "readonly module", "Estimated counts of items (never below the truth).", "key item [item ...]", bloom::cms_query),
    m("cms.merge", "write denyoom module", "Merge sketches (with weights) into a destination sketch.", "destination numKeys source [source ...] [WEIGHTS weight [weight ...]]", bloom::cms_merge),
    m("cms.info", "readonly module", "A sketch's width, depth and total count.", "key", bloom::cms_info),
    m("topk.reserve", "write denyoom module", "Create a Top-K of k items (width, depth and decay optional).", "key topk [width depth decay]", bloom::topk_reserve),
    m("topk.add", "write denyoom module", "Add items; replies with the items pushed out of the top k.", "key items [items ...]", bloom::topk_add),
    m("topk.incrby", "write denyoom module", "Add items with increments; replies with the items pushed out.", "key item increment [item increment ...]", bloom::topk_incrby),
    m("topk.query", "readonly module", "Whether items are in the top k.", "key item [item ...]", bloom::topk_query),
    m("topk.count", "write module", "Estimated counts of items (may be below the truth).", "key item [item ...]", bloom::topk_count),
    m("topk.list", "readonly module", "The top k items, largest first (with counts).", "key [WITHCOUNT]", bloom::topk_list),
    m("topk.info", "readonly module", "A Top-K's k, width, depth and decay.", "key", bloom::topk_info),
    m("tdigest.create", "write denyoom module", "Create an empty t-digest (compression 100 unless given).", "key [COMPRESSION compression]", tdigest::create),
    m("tdigest.add", "write denyoom module", "Add samples to a t-digest.", "key value [value ...]", tdigest::add),
    m("tdigest.reset", "write denyoom module", "Empty a t-digest, keeping its compression.", "key", tdigest::reset),
    m("tdigest.merge", "write denyoom module", "Merge t-digests into a destination (created, or merged into unless OVERRIDE).", "destination-key numkeys source-key [source-key ...] [COMPRESSION compression] [OVERRIDE]", tdigest::merge),
    m("tdigest.min", "readonly module", "The smallest sample (nan when empty).", "key", tdigest::min_max),
    m("tdigest.max", "readonly module", "The largest sample (nan when empty).", "key", tdigest::min_max),
    m("tdigest.quantile", "readonly module", "Estimated values at quantiles (0.5: the median, 0.99: p99).", "key quantile [quantile ...]", tdigest::quantile),
    m("tdigest.byrank", "readonly module", "Estimated values at ranks (0: the smallest).", "key rank [rank ...]", tdigest::by_rank),
    m("tdigest.byrevrank", "readonly module", "Estimated values at reverse ranks (0: the largest).", "key reverse_rank [reverse_rank ...]", tdigest::by_rank),
    m("tdigest.rank", "readonly module", "Estimated ranks of values (samples below, plus half of those equal).", "key value [value ...]", tdigest::rank),
    m("tdigest.revrank", "readonly module", "Estimated reverse ranks of values (samples above, plus half of those equal).", "key value [value ...]", tdigest::rank),
    m("tdigest.cdf", "readonly module", "Estimated fractions of samples at or below values.", "key value [value ...]", tdigest::cdf),
    m("tdigest.trimmed_mean", "readonly module", "Mean of the samples between two quantiles.", "key low_cut_quantile high_cut_quantile", tdigest::trimmed_mean),
    m("tdigest.info", "readonly module", "A t-digest's compression, capacity, nodes, weights and memory.", "key", tdigest::info),
];

/// Every top-level command.
pub fn commands() -> impl Iterator<Item = &'static CommandSpec> {
    COMMANDS.iter()
}

/// Finds a top-level command by name, any case (this runs once per command executed).
///
/// A name's bytes, case folded, pick one of [`SLOTS`] slots of a table built on first
/// use, open-addressed: a command whose slot is taken sits in the next free one. A lookup
/// compares the names from its slot on until a free slot; with a few hundred commands in
/// 2048 slots that is nearly always one comparison (the commands that run most often
/// never pay for a second hash of the name).
pub fn find(name: &[u8]) -> Option<&'static CommandSpec> {
    use std::sync::OnceLock;
    static INDEX: OnceLock<Vec<Option<&'static CommandSpec>>> = OnceLock::new();
    let slots = INDEX.get_or_init(|| {
        let mut slots = vec![None; SLOTS];
        for c in commands() {
            let mut i = slot_of(c.name.as_bytes());
            while slots[i].is_some() {
                i = (i + 1) & (SLOTS - 1);
            }
            slots[i] = Some(c);
        }
        slots
    });
    let mut i = slot_of(name);
    loop {
        let c = slots[i]?;
        if c.name.len() == name.len() && c.name.as_bytes().eq_ignore_ascii_case(name) {
            return Some(c);
        }
        i = (i + 1) & (SLOTS - 1);
    }
}

/// Slots of `find`'s table (a power of two, several times the number of commands).
const SLOTS: usize = 2048;

/// `find`'s slot for a name: its bytes (ASCII letters folded to lower case: `| 0x20`
/// leaves the other bytes a command name has as they are) mixed one by one.
fn slot_of(name: &[u8]) -> usize {
    let mut h = name.len() as u32;
    for &b in name {
        h = (h ^ u32::from(b | 0x20)).wrapping_mul(0x0100_0193);
    }
    (h.wrapping_mul(0x9e37_79b1) >> (32 - SLOTS.trailing_zeros())) as usize
}

/// Finds a command or a subcommand by its full name (`object|encoding`), any case.
pub fn find_full(name: &[u8]) -> Option<&'static CommandSpec> {
    let text = String::from_utf8_lossy(name).to_ascii_lowercase();
    match text.split_once('|') {
        Some((top, subname)) => find(top.as_bytes())?
            .subcommands
            .iter()
            .find(|s| s.name == subname),
        None => find(name),
    }
}

/// Resolves argv to the spec that will run it, or Redis's error for an unknown command
/// or subcommand.
/// `rename-command` (a config file or command-line directive, as redis-server's): the
/// commands renamed, and those no longer reachable under their own name (renamed, or
/// disabled with an empty new name). Renaming changes only the name clients send: the
/// engine runs the command under its own name (ACL rules, COMMAND and MULTI name it so,
/// as Redis's original command table does).
#[derive(Clone, Debug, Default)]
pub struct Renames {
    /// New name (lowercase) -> the command's own name.
    to: std::collections::HashMap<Vec<u8>, &'static str>,
    /// Own names (lowercase) that no longer reach their command.
    hidden: std::collections::HashSet<Vec<u8>>,
}

/// A command name as sent, once renames are applied.
pub enum Renamed {
    /// Not renamed: run as sent.
    Same,
    /// A new name: run as the command of this name.
    To(&'static str),
    /// A name renamed away or disabled: an unknown command.
    Unknown,
}

impl Renames {
    pub fn is_empty(&self) -> bool {
        self.to.is_empty() && self.hidden.is_empty()
    }

    /// The command `name` reaches now, by its own name.
    fn current(&self, name: &[u8]) -> Option<&'static str> {
        let lower = name.to_ascii_lowercase();
        if let Some(&own) = self.to.get(&lower) {
            return Some(own);
        }
        if self.hidden.contains(&lower) {
            return None;
        }
        find(&lower).map(|c| c.name)
    }

    /// `rename-command old new` (new empty: disabled), with redis-server's errors. Later
    /// directives see earlier ones (a renamed command is renamed again by its new name).
    pub fn add(&mut self, old: &[u8], new: &[u8]) -> Result<(), String> {
        let own = self
            .current(old)
            .ok_or("No such command in rename-command")?;
        let old = old.to_ascii_lowercase();
        if self.to.remove(&old).is_none() {
            self.hidden.insert(old);
        }
        if new.is_empty() {
            return Ok(());
        }
        if self.current(new).is_some() {
            return Err("Target command name already exists".into());
        }
        let new = new.to_ascii_lowercase();
        self.hidden.remove(&new);
        if new != own.as_bytes() {
            self.to.insert(new, own);
        }
        Ok(())
    }

    /// [`find_full`] through the renames (COMMAND INFO and DOCS look names up in the
    /// renamed table, as Redis's do).
    pub fn find_full(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        let (top, sub) = match name.iter().position(|&b| b == b'|') {
            Some(i) => (&name[..i], Some(&name[i..])),
            None => (name, None),
        };
        let own = match self.resolve(top) {
            Renamed::Same => return find_full(name),
            Renamed::To(own) => own,
            Renamed::Unknown => return None,
        };
        let mut full = own.as_bytes().to_vec();
        full.extend_from_slice(sub.unwrap_or_default());
        find_full(&full)
    }

    /// Whether the command named `own` can still be called (by its name or a new one):
    /// COMMAND lists only those, as Redis's lists its renamed table.
    pub fn reachable(&self, own: &str) -> bool {
        !self.hidden.contains(own.as_bytes()) || self.to.values().any(|&v| v == own)
    }

    /// `argv` as it runs once renames are applied: as sent, or with the command's own
    /// name in place of a new one; `None` for an old or disabled name (an unknown command).
    pub fn apply<'a>(&self, argv: &'a [Vec<u8>]) -> Option<std::borrow::Cow<'a, [Vec<u8>]>> {
        let name = argv.first().map(|a| a.as_slice()).unwrap_or_default();
        match self.resolve(name) {
            Renamed::Same => Some(std::borrow::Cow::Borrowed(argv)),
            Renamed::To(own) => {
                let mut v = argv.to_vec();
                v[0] = own.as_bytes().to_vec();
                Some(std::borrow::Cow::Owned(v))
            }
            Renamed::Unknown => None,
        }
    }

    /// What the name a client sent reaches.
    pub fn resolve(&self, name: &[u8]) -> Renamed {
        if self.is_empty() {
            return Renamed::Same;
        }
        let lower = name.to_ascii_lowercase();
        if let Some(&own) = self.to.get(&lower) {
            return Renamed::To(own);
        }
        if self.hidden.contains(&lower) {
            return Renamed::Unknown;
        }
        Renamed::Same
    }
}

/// Redis's error for a command name it does not know (`argv` as sent).
pub fn unknown_command(argv: &[Vec<u8>]) -> String {
    let mut args = String::new();
    for a in &argv[1..] {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        let text = String::from_utf8_lossy(a);
        let cut: String = truncate_bytes(&text, room);
        args.push_str(&format!("'{cut}' "));
    }
    let name = truncate_bytes(&String::from_utf8_lossy(&argv[0]), 128);
    sanitize(format!(
        "ERR unknown command '{name}', with args beginning with: {args}"
    ))
}

pub fn lookup(argv: &[Vec<u8>]) -> Result<&'static CommandSpec, String> {
    let name = &argv[0];
    let Some(top) = find(name) else {
        return Err(unknown_command(argv));
    };
    if top.subcommands.is_empty() || argv.len() < 2 {
        return Ok(top);
    }
    match top
        .subcommands
        .iter()
        .find(|s| s.name.as_bytes().eq_ignore_ascii_case(&argv[1]))
    {
        Some(s) => Ok(s),
        None => Err(sanitize(format!(
            "ERR unknown subcommand '{}'. Try {} HELP.",
            truncate_bytes(&String::from_utf8_lossy(&argv[1]), 128),
            top.name.to_ascii_uppercase()
        ))),
    }
}

fn truncate_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// Errors travel on one line: CR and LF become spaces, as Redis does.
fn sanitize(s: String) -> String {
    s.replace(['\r', '\n'], " ")
}

pub fn arity_ok(spec: &CommandSpec, argc: usize) -> bool {
    let argc = argc as i32;
    if spec.arity > 0 {
        argc == spec.arity
    } else {
        argc >= -spec.arity
    }
}

/// The positions of the key arguments in a full command line, by the legacy
/// first/last/step triple (what COMMAND GETKEYS and the panels use).
pub fn key_positions(spec: &CommandSpec, argc: usize) -> Vec<usize> {
    if spec.first_key <= 0 || spec.step <= 0 {
        return Vec::new();
    }
    let last = if spec.last_key < 0 {
        argc as i32 + spec.last_key
    } else {
        spec.last_key
    };
    let mut out = Vec::new();
    let mut i = spec.first_key;
    while i <= last && (i as usize) < argc {
        out.push(i as usize);
        i += spec.step;
    }
    out
}

/// Where a key spec's search for keys begins (Redis's begin_search).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Begin {
    /// At this argument.
    Index(i32),
    /// After this keyword, searched from the argument given (from the end when negative).
    Keyword(&'static str, i32),
    /// The keys cannot be found from the arguments alone.
    Unknown,
}

/// How a key spec finds its keys from where the search began (Redis's find_keys).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Find {
    /// (lastkey, keystep, limit): lastkey relative to the first key, or from the end
    /// when negative.
    Range(i32, i32, i32),
    /// (keynumidx, firstkey, keystep): an argument says how many keys follow.
    Keynum(i32, i32, i32),
    Unknown,
}

/// One key spec, as COMMAND INFO shows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeySpec {
    /// Space-separated flags in Redis's spelling (`RW ACCESS DELETE`).
    pub flags: &'static str,
    pub begin: Begin,
    pub find: Find,
    pub notes: &'static str,
}

const fn ks(flags: &'static str, begin: Begin, find: Find, notes: &'static str) -> KeySpec {
    KeySpec {
        flags,
        begin,
        find,
        notes,
    }
}

use Begin::{Index, Keyword};
use Find::{Keynum, Range};

/// The commands whose key specs are not the one range spec their first/last/step and
/// key flags give: two specs (source and destination), numkeys arguments, keywords, and
/// notes. As redis-server 7.0.15's COMMAND INFO prints them.
static KEY_SPECS: &[(&str, &[KeySpec])] = &[
    ("bitfield", &[ks("RW ACCESS UPDATE VARIABLE_FLAGS", Index(1), Range(0, 1, 0), "This command allows both access and modification of the key")]),
    ("bitop", &[ks("OW UPDATE", Index(2), Range(0, 1, 0), ""), ks("RO ACCESS", Index(3), Range(-1, 1, 0), "")]),
    ("blmove", &[ks("RW ACCESS DELETE", Index(1), Range(0, 1, 0), ""), ks("RW INSERT", Index(2), Range(0, 1, 0), "")]),
    ("blmpop", &[ks("RW ACCESS DELETE", Index(2), Keynum(0, 1, 1), "")]),
    ("xadd", &[ks("RW UPDATE", Index(1), Range(0, 1, 0), "UPDATE instead of INSERT because of the optional trimming feature")]),
    ("xread", &[ks("RO ACCESS", Keyword("STREAMS", 1), Range(-1, 1, 2), "")]),
    ("xreadgroup", &[ks("RO ACCESS", Keyword("STREAMS", 4), Range(-1, 1, 2), "")]),
    ("brpoplpush", &[ks("RW ACCESS DELETE", Index(1), Range(0, 1, 0), ""), ks("RW INSERT", Index(2), Range(0, 1, 0), "")]),
    ("bzmpop", &[ks("RW ACCESS DELETE", Index(2), Keynum(0, 1, 1), "")]),
    ("copy", &[ks("RO ACCESS", Index(1), Range(0, 1, 0), ""), ks("OW UPDATE", Index(2), Range(0, 1, 0), "")]),
    ("georadius", &[ks("RO ACCESS", Index(1), Range(0, 1, 0), ""), ks("OW UPDATE", Keyword("STORE", 6), Range(0, 1, 0), ""), ks("OW UPDATE", Keyword("STOREDIST", 6), Range(0, 1, 0), "")]),
    ("georadiusbymember", &[ks("RO ACCESS", Index(1), Range(0, 1, 0), ""), ks("OW UPDATE", Keyword("STORE", 5), Range(0, 1, 0), ""), ks("OW UPDATE", Keyword("STOREDIST", 5), Range(0, 1, 0), "")]),
    ("geosearchstore", &[ks("OW UPDATE", Index(1), Range(0, 1, 0), ""), ks("RO ACCESS", Index(2), Range(0, 1, 0), "")]),
    ("getex", &[ks("RW ACCESS UPDATE", Index(1), Range(0, 1, 0), "RW and UPDATE because it changes the TTL")]),
    ("lmove", &[ks("RW ACCESS DELETE", Index(1), Range(0, 1, 0), ""), ks("RW INSERT", Index(2), Range(0, 1, 0), "")]),
    ("migrate", &[ks("RW ACCESS DELETE", Index(3), Range(0, 1, 0), ""), ks("RW ACCESS DELETE INCOMPLETE", Keyword("KEYS", -2), Range(-1, 1, 0), "")]),
    ("lmpop", &[ks("RW ACCESS DELETE", Index(1), Keynum(0, 1, 1), "")]),
    ("eval", &[ks("RW ACCESS UPDATE", Index(2), Keynum(0, 1, 1), "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE")]),
    ("evalsha", &[ks("RW ACCESS UPDATE", Index(2), Keynum(0, 1, 1), "")]),
    ("eval_ro", &[ks("RO ACCESS", Index(2), Keynum(0, 1, 1), "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS")]),
    ("evalsha_ro", &[ks("RO ACCESS", Index(2), Keynum(0, 1, 1), "")]),
    ("fcall", &[ks("RW ACCESS UPDATE", Index(2), Keynum(0, 1, 1), "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE")]),
    ("fcall_ro", &[ks("RO ACCESS", Index(2), Keynum(0, 1, 1), "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS")]),
    ("pfcount", &[ks("RW ACCESS", Index(1), Range(-1, 1, 0), "RW because it may change the internal representation of the key, and propagate to replicas")]),
    ("pfmerge", &[ks("RW ACCESS INSERT", Index(1), Range(0, 1, 0), ""), ks("RO ACCESS", Index(2), Range(-1, 1, 0), "")]),
    ("rename", &[ks("RW ACCESS DELETE", Index(1), Range(0, 1, 0), ""), ks("OW UPDATE", Index(2), Range(0, 1, 0), "")]),
    ("renamenx", &[ks("RW ACCESS DELETE", Index(1), Range(0, 1, 0), ""), ks("OW INSERT", Index(2), Range(0, 1, 0), "")]),
    ("rpoplpush", &[ks("RW ACCESS DELETE", Index(1), Range(0, 1, 0), ""), ks("RW INSERT", Index(2), Range(0, 1, 0), "")]),
    ("sdiffstore", &[ks("OW UPDATE", Index(1), Range(0, 1, 0), ""), ks("RO ACCESS", Index(2), Range(-1, 1, 0), "")]),
    ("set", &[ks("RW ACCESS UPDATE VARIABLE_FLAGS", Index(1), Range(0, 1, 0), "RW and ACCESS due to the optional `GET` argument")]),
    ("sintercard", &[ks("RO ACCESS", Index(1), Keynum(0, 1, 1), "")]),
    ("sinterstore", &[ks("RW UPDATE", Index(1), Range(0, 1, 0), ""), ks("RO ACCESS", Index(2), Range(-1, 1, 0), "")]),
    ("smove", &[ks("RW ACCESS DELETE", Index(1), Range(0, 1, 0), ""), ks("RW INSERT", Index(2), Range(0, 1, 0), "")]),
    ("sort", &[ks("RO ACCESS", Index(1), Range(0, 1, 0), ""), ks("RO ACCESS", Begin::Unknown, Find::Unknown, "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"), ks("OW UPDATE", Begin::Unknown, Find::Unknown, "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array")]),
    ("sort_ro", &[ks("RO ACCESS", Index(1), Range(0, 1, 0), ""), ks("RO ACCESS", Begin::Unknown, Find::Unknown, "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort")]),
    ("sunionstore", &[ks("OW UPDATE", Index(1), Range(0, 1, 0), ""), ks("RO ACCESS", Index(2), Range(-1, 1, 0), "")]),
    ("zdiff", &[ks("RO ACCESS", Index(1), Keynum(0, 1, 1), "")]),
    ("zdiffstore", &[ks("OW UPDATE", Index(1), Range(0, 1, 0), ""), ks("RO ACCESS", Index(2), Keynum(0, 1, 1), "")]),
    ("zinter", &[ks("RO ACCESS", Index(1), Keynum(0, 1, 1), "")]),
    ("zintercard", &[ks("RO ACCESS", Index(1), Keynum(0, 1, 1), "")]),
    ("zinterstore", &[ks("OW UPDATE", Index(1), Range(0, 1, 0), ""), ks("RO ACCESS", Index(2), Keynum(0, 1, 1), "")]),
    ("zmpop", &[ks("RW ACCESS DELETE", Index(1), Keynum(0, 1, 1), "")]),
    ("zrangestore", &[ks("OW UPDATE", Index(1), Range(0, 1, 0), ""), ks("RO ACCESS", Index(2), Range(0, 1, 0), "")]),
    ("zunion", &[ks("RO ACCESS", Index(1), Keynum(0, 1, 1), "")]),
    ("zunionstore", &[ks("OW UPDATE", Index(1), Range(0, 1, 0), ""), ks("RO ACCESS", Index(2), Keynum(0, 1, 1), "")]),
];

impl CommandSpec {
    /// The command's key specs: the table above, or the one range spec its first/last/step
    /// and key flags describe (none for a command without keys).
    pub fn key_specs(&self) -> Vec<KeySpec> {
        let name = self.full_name();
        if let Some((_, specs)) = KEY_SPECS.iter().find(|(n, _)| *n == name) {
            return specs.to_vec();
        }
        if self.first_key <= 0 {
            return Vec::new();
        }
        let lastkey = if self.last_key < 0 {
            self.last_key
        } else {
            self.last_key - self.first_key
        };
        vec![ks(
            self.key_flags,
            Index(self.first_key),
            Range(lastkey, self.step, 0),
            "",
        )]
    }
}

/// The positions of a command's keys in `argv` (name first), as COMMAND GETKEYS finds
/// them: Redis's `getKeysUsingKeySpecs`, and for the commands whose specs cannot say
/// (SORT's STORE, GEORADIUS's STORE/STOREDIST …) the command's own key finder. None
/// is "Invalid arguments specified for command".
pub fn keys_in(spec: &CommandSpec, argv: &[Vec<u8>]) -> Option<Vec<usize>> {
    Some(
        keys_and_flags_in(spec, argv)?
            .into_iter()
            .map(|(i, _)| i)
            .collect(),
    )
}

/// Each key's position with the key-spec flags it is used with (`RW ACCESS UPDATE`), as
/// COMMAND GETKEYSANDFLAGS reports them: Redis's `getKeysFromCommandWithSpecs`, which
/// takes the flags of the spec that found the key, or, for the commands whose flags
/// vary with the arguments (VARIABLE_FLAGS) or whose specs are incomplete, what the
/// command's own finder says (`setGetKeys`, `bitfieldGetKeys`, `sortGetKeys`).
pub fn keys_and_flags_in(
    spec: &CommandSpec,
    argv: &[Vec<u8>],
) -> Option<Vec<(usize, &'static str)>> {
    let specs = spec.key_specs();
    let variable = specs.iter().any(|s| s.flags.contains("VARIABLE_FLAGS"));
    let unreliable = variable || specs.iter().any(|s| s.flags.contains("INCOMPLETE"));
    // The specs first, unless their flags vary; a key an INCOMPLETE spec found (or no
    // key at all) sends the search to the command's own finder, as in Redis (MIGRATE's
    // KEYS in the last argument is not searched: its keyword spec starts one before).
    if !variable {
        if let Some(keys) = spec_keys(&specs, argv) {
            if !unreliable
                || (!keys.is_empty() && !keys.iter().any(|(_, s)| s.flags.contains("INCOMPLETE")))
            {
                return Some(keys.into_iter().map(|(i, s)| (i, s.flags)).collect());
            }
        }
    }
    let eq = |a: &[u8], w: &str| a.eq_ignore_ascii_case(w.as_bytes());
    match spec.full_name().as_str() {
        // sortGetKeys: the key, and the last STORE's destination.
        "sort" => {
            let mut keys = vec![(1, "RO ACCESS")];
            keys.extend(sort_store_key(argv).map(|i| (i, "OW UPDATE")));
            Some(keys)
        }
        "sort_ro" => Some(vec![(1, "RO ACCESS")]),
        // migrateGetKeys: the key, or those after KEYS (none: invalid arguments).
        "migrate" => {
            let keys = migrate_keys(argv);
            (!keys.is_empty()).then(|| keys.into_iter().map(|i| (i, "RW ACCESS DELETE")).collect())
        }
        // setGetKeys: GET makes SET read the old value.
        "set" => Some(vec![(
            1,
            if argv.iter().skip(3).any(|a| eq(a, "get")) {
                "RW ACCESS UPDATE"
            } else {
                "OW UPDATE"
            },
        )]),
        // bitfieldGetKeys: read-only while every operation is a whole GET.
        "bitfield" => {
            let readonly = bitfield_readonly(argv);
            Some(vec![(
                1,
                if readonly {
                    "RO ACCESS"
                } else {
                    "RW ACCESS UPDATE"
                },
            )])
        }
        _ if !specs.is_empty() && unreliable => Some(vec![(1, specs[0].flags)]),
        _ => None,
    }
}

/// bitfieldGetKeys: whether BITFIELD only reads (every operation a whole GET, with
/// OVERFLOW allowed); a SET, INCRBY or a malformed operation makes it a write.
pub fn bitfield_readonly(argv: &[Vec<u8>]) -> bool {
    let eq = |a: &[u8], w: &str| a.eq_ignore_ascii_case(w.as_bytes());
    let argc = argv.len();
    let mut i = 2;
    while i < argc {
        let rem = argc - i - 1;
        let a = &argv[i];
        if eq(a, "get") && rem >= 2 {
            i += 2;
        } else if (eq(a, "set") || eq(a, "incrby")) && rem >= 3 {
            return false;
        } else if eq(a, "overflow") && rem >= 1 {
            i += 1;
        } else {
            return false;
        }
        i += 1;
    }
    true
}

/// migrateGetKeys: the positions of MIGRATE's keys. `key` (argument 3), or with KEYS
/// (found skipping AUTH's one and AUTH2's two arguments) all the arguments after it;
/// none when KEYS comes with a non-empty `key` (MIGRATE itself refuses that).
pub fn migrate_keys(argv: &[Vec<u8>]) -> Vec<usize> {
    let eq = |a: &[u8], w: &str| a.eq_ignore_ascii_case(w.as_bytes());
    let argc = argv.len();
    let (mut first, mut num) = (3, 1);
    let mut i = 6;
    while i < argc {
        let a = &argv[i];
        if eq(a, "keys") {
            if argv.get(3).is_some_and(|k| !k.is_empty()) {
                num = 0;
            } else {
                first = i + 1;
                num = argc - first;
            }
            break;
        }
        if eq(a, "auth") {
            i += 1;
        } else if eq(a, "auth2") {
            i += 2;
        }
        i += 1;
    }
    if argc < 4 {
        return Vec::new();
    }
    (first..first + num).collect()
}

/// sortGetKeys's second key: the destination of SORT's last STORE (LIMIT's two
/// arguments and GET's and BY's patterns skipped), if any.
pub fn sort_store_key(argv: &[Vec<u8>]) -> Option<usize> {
    let eq = |a: &[u8], w: &str| a.eq_ignore_ascii_case(w.as_bytes());
    let argc = argv.len();
    let mut store = None;
    let mut i = 2;
    while i < argc {
        let a = &argv[i];
        if eq(a, "limit") {
            i += 2;
        } else if eq(a, "get") || eq(a, "by") {
            i += 1;
        } else if eq(a, "store") && i + 1 < argc {
            store = Some(i + 1);
        }
        i += 1;
    }
    store
}

/// The walk behind `getKeysUsingKeySpecs`: each key's position with the spec that found
/// it (ACL reads the spec's flags for the permission a key needs). None where a spec is
/// unknown or the arguments do not fit it; a spec that applies finds at least one key.
pub fn spec_keys<'a>(specs: &'a [KeySpec], argv: &[Vec<u8>]) -> Option<Vec<(usize, &'a KeySpec)>> {
    let argc = argv.len() as i64;
    let mut out = Vec::new();
    for s in specs {
        if s.flags.contains("NOT_KEY") {
            continue;
        }
        let first: i64 = match s.begin {
            Index(i) => i as i64,
            Keyword(word, from) => {
                let from = from as i64;
                let start = if from > 0 { from } else { argc + from };
                let end = if from > 0 { argc - 1 } else { 1 };
                let mut found = 0;
                let mut i = start;
                while i != end {
                    if i >= argc || i < 1 {
                        break;
                    }
                    if argv[i as usize].eq_ignore_ascii_case(word.as_bytes()) {
                        found = i + 1;
                        break;
                    }
                    i += if start <= end { 1 } else { -1 };
                }
                if found == 0 {
                    continue;
                }
                found
            }
            Begin::Unknown => return None,
        };
        let (first, last, step) = match s.find {
            Range(lastkey, step, limit) => {
                let last = if lastkey >= 0 {
                    first + lastkey as i64
                } else if limit == 0 {
                    argc + lastkey as i64
                } else {
                    first + ((argc - first) / limit as i64 + lastkey as i64)
                };
                (first, last, step as i64)
            }
            Keynum(idx, firstkey, step) => {
                let at = first + idx as i64;
                if idx as i64 >= argc || at >= argc {
                    return None;
                }
                let n = crate::engine::util::parse_i64(&argv[at as usize]).filter(|n| *n >= 0)?;
                let first = first + firstkey as i64;
                // A huge count (i64::MAX) must not overflow: it is simply too many.
                (first, first.saturating_add(n) - 1, step as i64)
            }
            Find::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut i = first;
        while i <= last {
            out.push((i as usize, s));
            i += step.max(1);
        }
    }
    Some(out)
}

#[cfg(test)]
mod find_tests {
    use super::*;

    #[test]
    fn find_knows_every_command_in_any_case_and_nothing_else() {
        for c in commands() {
            let upper = c.name.to_ascii_uppercase();
            assert!(
                std::ptr::eq(find(c.name.as_bytes()).unwrap(), c),
                "{}",
                c.name
            );
            assert!(std::ptr::eq(find(upper.as_bytes()).unwrap(), c), "{upper}");
            // One byte more, one less, one changed: not a command (unless it is one).
            let mut longer = c.name.as_bytes().to_vec();
            longer.push(b'x');
            let shorter = &c.name.as_bytes()[..c.name.len() - 1];
            let mut changed = c.name.as_bytes().to_vec();
            changed[0] ^= 0x01;
            for other in [&longer[..], shorter, &changed[..]] {
                let named = commands().find(|d| d.name.as_bytes().eq_ignore_ascii_case(other));
                assert_eq!(find(other).map(|d| d.name), named.map(|d| d.name));
            }
        }
        for junk in [&b""[..], b"\x00", b"@et", b"s\x00t", &[b'a'; 40]] {
            assert!(find(junk).is_none());
        }
    }
}
