//! CLUSTER and its subcommands (Redis's `clusterCommand`, src/cluster.c), for the
//! single-node cluster of `cluster.rs`. Without cluster mode every subcommand answers
//! "ERR This instance has cluster support disabled", as Redis 7.0 does (after the
//! command table's arity check). Replies and errors are redis-server 7.0.15's.
//!
//! What a node that knows no other node cannot do is said plainly: MEET (there is no
//! cluster bus) and SETSLOT MIGRATING/IMPORTING to this node itself answer a KV Lab error
//! after Redis's own argument checks.

use super::server::help_reply;
use super::{eq, int_arg, syntax};
use crate::engine::cluster::{self, Cluster, SLOTS};
use crate::engine::{Ctx, Reply};

const DISABLED: &str = "ERR This instance has cluster support disabled";

/// The node, or Redis's error when cluster mode is off.
fn node<'c>(ctx: &'c mut Ctx) -> Result<&'c mut Cluster, Reply> {
    ctx.core
        .cluster
        .as_mut()
        .ok_or_else(|| Reply::err(DISABLED))
}

/// Runs a subcommand's body in cluster mode.
fn with_node(ctx: &mut Ctx, f: impl FnOnce(&mut Ctx) -> Reply) -> Reply {
    if ctx.core.cluster.is_none() {
        return Reply::err(DISABLED);
    }
    f(ctx)
}

/// `clusterCommand`'s last resort.
fn subcommand_syntax(argv: &[Vec<u8>]) -> Reply {
    Reply::Error(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLUSTER HELP.",
        String::from_utf8_lossy(&argv[1][..argv[1].len().min(128)])
    ))
}

/// `getSlotOrReply`.
fn slot_arg(a: &[u8]) -> Result<usize, Reply> {
    match crate::engine::util::parse_i64(a) {
        Some(s) if (0..SLOTS as i64).contains(&s) => Ok(s as usize),
        _ => Err(Reply::err("ERR Invalid or out of range slot")),
    }
}

fn unknown_node(id: &[u8]) -> Reply {
    Reply::Error(format!("ERR Unknown node {}", String::from_utf8_lossy(id)))
}

/// `clusterLookupNode`: the only node is this one (ids are 40 characters, compared
/// exactly).
fn is_me(c: &Cluster, id: &[u8]) -> bool {
    id == c.node_id.as_bytes()
}

pub fn help(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    with_node(ctx, |_| {
        help_reply(
            &argv[0],
            &[
                "ADDSLOTS <slot> [<slot> ...]",
                "    Assign slots to current node.",
                "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
                "    Assign slots which are between <start-slot> and <end-slot> to current node.",
                "BUMPEPOCH",
                "    Advance the cluster config epoch.",
                "COUNT-FAILURE-REPORTS <node-id>",
                "    Return number of failure reports for <node-id>.",
                "COUNTKEYSINSLOT <slot>",
                "    Return the number of keys in <slot>.",
                "DELSLOTS <slot> [<slot> ...]",
                "    Delete slots information from current node.",
                "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
                "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
                "FAILOVER [FORCE|TAKEOVER]",
                "    Promote current replica node to being a master.",
                "FORGET <node-id>",
                "    Remove a node from the cluster.",
                "GETKEYSINSLOT <slot> <count>",
                "    Return key names stored by current node in a slot.",
                "FLUSHSLOTS",
                "    Delete current node own slots information.",
                "INFO",
                "    Return information about the cluster.",
                "KEYSLOT <key>",
                "    Return the hash slot for <key>.",
                "MEET <ip> <port> [<bus-port>]",
                "    Connect nodes into a working cluster.",
                "MYID",
                "    Return the node id.",
                "NODES",
                "    Return cluster configuration seen by node. Output format:",
                "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
                "REPLICATE <node-id>",
                "    Configure current node as replica to <node-id>.",
                "RESET [HARD|SOFT]",
                "    Reset current node (default: soft).",
                "SET-CONFIG-EPOCH <epoch>",
                "    Set config epoch of current node.",
                "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
                "    Set slot state.",
                "REPLICAS <node-id>",
                "    Return <node-id> replicas.",
                "SAVECONFIG",
                "    Force saving cluster configuration on disk.",
                "SLOTS",
                "    Return information about slots range mappings. Each range is made of:",
                "    start, end, master and replicas IP addresses, ports and ids",
                "SHARDS",
                "    Return information about slot range mappings and the nodes associated with them.",
                "LINKS",
                "    Return information about all network links between this node and its peers.",
                "    Output format is an array where each array element is a map containing attributes of a link",
            ],
        )
    })
}

pub fn keyslot(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    with_node(ctx, |_| Reply::Int(cluster::key_slot(&argv[2]) as i64))
}

pub fn countkeysinslot(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    with_node(ctx, |ctx| {
        let slot = match int_arg(&argv[2]) {
            Ok(s) => s,
            Err(e) => return e,
        };
        if !(0..SLOTS as i64).contains(&slot) {
            return Reply::err("ERR Invalid slot");
        }
        let n = ctx.core.dbs[0]
            .slots
            .as_ref()
            .map_or(0, |ix| ix.count(slot as u16));
        Reply::Int(n as i64)
    })
}

pub fn getkeysinslot(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    with_node(ctx, |ctx| {
        let (slot, max) = match (int_arg(&argv[2]), int_arg(&argv[3])) {
            (Ok(s), Ok(m)) => (s, m),
            (Err(e), _) | (_, Err(e)) => return e,
        };
        if !(0..SLOTS as i64).contains(&slot) || max < 0 {
            return Reply::err("ERR Invalid slot or number of keys");
        }
        let keys = ctx.core.dbs[0].slots.as_ref().map_or_else(Vec::new, |ix| {
            ix.keys(slot as u16, max.min(u32::MAX as i64) as usize)
        });
        Reply::Array(keys.into_iter().map(Reply::Bulk).collect())
    })
}

pub fn info(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let c = match node(ctx) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let text = format!(
        "cluster_state:{}\r\ncluster_slots_assigned:{}\r\ncluster_slots_ok:{}\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:1\r\ncluster_size:{}\r\ncluster_current_epoch:{}\r\ncluster_my_epoch:{}\r\ncluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\ntotal_cluster_links_buffer_limit_exceeded:0\r\n",
        if c.state_ok() { "ok" } else { "fail" },
        c.assigned(),
        c.assigned(),
        c.size(),
        c.current_epoch,
        c.config_epoch,
    );
    Reply::Verbatim("txt", text.into_bytes())
}

pub fn myid(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    match node(ctx) {
        Ok(c) => Reply::bulk(&c.node_id),
        Err(e) => e,
    }
}

/// The node's line in CLUSTER NODES (`clusterGenNodeDescription`).
fn node_line(c: &Cluster) -> String {
    let mut line = format!(
        "{} :{}@{} myself,master - 0 0 {} connected",
        c.node_id, c.port, c.bus_port, c.config_epoch
    );
    for (a, b) in c.ranges() {
        if a == b {
            line.push_str(&format!(" {a}"));
        } else {
            line.push_str(&format!(" {a}-{b}"));
        }
    }
    line
}

pub fn nodes(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    match node(ctx) {
        Ok(c) => Reply::Verbatim("txt", format!("{}\n", node_line(c)).into_bytes()),
        Err(e) => e,
    }
}

/// The node as CLUSTER SLOTS lists it: preferred endpoint (the IP, empty until the
/// node meets another), port, id, and a map of other endpoints (none).
fn node_entry(c: &Cluster) -> Reply {
    Reply::Array(vec![
        Reply::bulk(""),
        Reply::Int(c.port as i64),
        Reply::bulk(&c.node_id),
        Reply::Map(Vec::new()),
    ])
}

pub fn slots(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let c = match node(ctx) {
        Ok(c) => c,
        Err(e) => return e,
    };
    Reply::Array(
        c.ranges()
            .into_iter()
            .map(|(a, b)| {
                Reply::Array(vec![
                    Reply::Int(a as i64),
                    Reply::Int(b as i64),
                    node_entry(c),
                ])
            })
            .collect(),
    )
}

pub fn shards(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let c = match node(ctx) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let slots = c
        .ranges()
        .into_iter()
        .flat_map(|(a, b)| [Reply::Int(a as i64), Reply::Int(b as i64)])
        .collect();
    let details = Reply::Map(vec![
        (Reply::bulk("id"), Reply::bulk(&c.node_id)),
        (Reply::bulk("port"), Reply::Int(c.port as i64)),
        (Reply::bulk("ip"), Reply::bulk("")),
        (Reply::bulk("endpoint"), Reply::bulk("")),
        (Reply::bulk("role"), Reply::bulk("master")),
        (Reply::bulk("replication-offset"), Reply::Int(0)),
        (Reply::bulk("health"), Reply::bulk("online")),
    ]);
    Reply::Array(vec![Reply::Map(vec![
        (Reply::bulk("slots"), Reply::Array(slots)),
        (Reply::bulk("nodes"), Reply::Array(vec![details])),
    ])])
}

pub fn links(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    with_node(ctx, |_| Reply::Array(Vec::new()))
}

/// `checkSlotAssignmentsOrReply` over a range, with the slots already named.
fn check_range(
    c: &Cluster,
    seen: &mut [bool],
    del: bool,
    from: usize,
    to: usize,
) -> Result<(), Reply> {
    for (s, named) in seen.iter_mut().enumerate().take(to + 1).skip(from) {
        if del && !c.owns(s) {
            return Err(Reply::Error(format!("ERR Slot {s} is already unassigned")));
        } else if !del && c.owns(s) {
            return Err(Reply::Error(format!("ERR Slot {s} is already busy")));
        }
        if *named {
            return Err(Reply::Error(format!(
                "ERR Slot {s} specified multiple times"
            )));
        }
        *named = true;
    }
    Ok(())
}

fn apply(c: &mut Cluster, seen: &[bool], del: bool) {
    for (s, &on) in seen.iter().enumerate() {
        if on {
            c.set_slot(s, !del);
        }
    }
}

/// ADDSLOTS and DELSLOTS.
fn slots_list(ctx: &mut Ctx, argv: &[Vec<u8>], del: bool) -> Reply {
    let c = match node(ctx) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let mut picked = Vec::with_capacity(argv.len() - 2);
    for a in &argv[2..] {
        match slot_arg(a) {
            Ok(s) => picked.push(s),
            Err(e) => return e,
        }
    }
    let mut seen = vec![false; SLOTS];
    for s in picked {
        if let Err(e) = check_range(c, &mut seen, del, s, s) {
            return e;
        }
    }
    apply(c, &seen, del);
    Reply::ok()
}

pub fn addslots(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    slots_list(ctx, argv, false)
}

pub fn delslots(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    slots_list(ctx, argv, true)
}

/// ADDSLOTSRANGE and DELSLOTSRANGE.
fn slots_range(ctx: &mut Ctx, argv: &[Vec<u8>], del: bool) -> Reply {
    let c = match node(ctx) {
        Ok(c) => c,
        Err(e) => return e,
    };
    if argv.len() % 2 == 1 {
        return Reply::Error(format!(
            "ERR wrong number of arguments for 'cluster|{}' command",
            if del {
                "delslotsrange"
            } else {
                "addslotsrange"
            }
        ));
    }
    let mut seen = vec![false; SLOTS];
    for pair in argv[2..].chunks(2) {
        let from = match slot_arg(&pair[0]) {
            Ok(s) => s,
            Err(e) => return e,
        };
        let to = match slot_arg(&pair[1]) {
            Ok(s) => s,
            Err(e) => return e,
        };
        if from > to {
            return Reply::Error(format!(
                "ERR start slot number {from} is greater than end slot number {to}"
            ));
        }
        if let Err(e) = check_range(c, &mut seen, del, from, to) {
            return e;
        }
    }
    apply(c, &seen, del);
    Reply::ok()
}

pub fn addslotsrange(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    slots_range(ctx, argv, false)
}

pub fn delslotsrange(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    slots_range(ctx, argv, true)
}

pub fn flushslots(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    with_node(ctx, |ctx| {
        if !ctx.core.dbs[0].keys.is_empty() {
            return Reply::err("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
        }
        if let Some(c) = ctx.core.cluster.as_mut() {
            for s in 0..SLOTS {
                c.set_slot(s, false);
            }
        }
        Reply::ok()
    })
}

pub fn bumpepoch(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let c = match node(ctx) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let bumped = c.bump_epoch();
    Reply::Status(
        format!(
            "{} {}",
            if bumped { "BUMPED" } else { "STILL" },
            c.config_epoch
        )
        .into(),
    )
}

pub fn set_config_epoch(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let c = match node(ctx) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let epoch = match int_arg(&argv[2]) {
        Ok(e) => e,
        Err(e) => return e,
    };
    if epoch < 0 {
        return Reply::Error(format!("ERR Invalid config epoch specified: {epoch}"));
    }
    if c.config_epoch != 0 {
        return Reply::err("ERR Node config epoch is already non-zero");
    }
    c.config_epoch = epoch as u64;
    c.current_epoch = c.current_epoch.max(epoch as u64);
    Reply::ok()
}

pub fn saveconfig(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    // nodes.conf is not written (there is nothing another node could read it for).
    with_node(ctx, |_| Reply::ok())
}

pub fn reset(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    with_node(ctx, |ctx| {
        if argv.len() > 3 {
            return subcommand_syntax(argv);
        }
        let hard = match argv.get(2) {
            None => false,
            Some(a) if eq(a, "hard") => true,
            Some(a) if eq(a, "soft") => false,
            Some(_) => return syntax(),
        };
        let db = ctx.db();
        if !ctx.core.dbs[db].keys.is_empty() {
            return Reply::err(
                "ERR CLUSTER RESET can't be called with master nodes containing keys",
            );
        }
        if let Some(c) = ctx.core.cluster.as_mut() {
            c.reset(hard);
        }
        Reply::ok()
    })
}

pub fn meet(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    with_node(ctx, |_| {
        if argv.len() > 5 {
            return subcommand_syntax(argv);
        }
        let port = crate::engine::util::parse_i64(&argv[3]);
        let Some(port) = port else {
            return Reply::Error(format!(
                "ERR Invalid TCP base port specified: {}",
                String::from_utf8_lossy(&argv[3])
            ));
        };
        let bus = match argv.get(4) {
            None => Some(port + 10000),
            Some(a) => match crate::engine::util::parse_i64(a) {
                Some(b) => Some(b),
                None => {
                    return Reply::Error(format!(
                        "ERR Invalid TCP bus port specified: {}",
                        String::from_utf8_lossy(a)
                    ))
                }
            },
        };
        let ip_ok = std::str::from_utf8(&argv[2])
            .ok()
            .and_then(|s| s.parse::<std::net::IpAddr>().ok())
            .is_some();
        let port_ok = |p: i64| (1..=65535).contains(&p);
        if !ip_ok || !port_ok(port) || !bus.is_some_and(port_ok) {
            return Reply::Error(format!(
                "ERR Invalid node address specified: {}:{}",
                String::from_utf8_lossy(&argv[2]),
                String::from_utf8_lossy(&argv[3])
            ));
        }
        Reply::err(
            "ERR KV Lab runs a single-node cluster: it has no cluster bus to meet other nodes",
        )
    })
}

/// FORGET, REPLICATE, REPLICAS/SLAVES, COUNT-FAILURE-REPORTS: commands naming a node.
pub fn forget(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match node(ctx) {
        Ok(c) if is_me(c, &argv[2]) => Reply::err("ERR I tried hard but I can't forget myself..."),
        Ok(_) => unknown_node(&argv[2]),
        Err(e) => e,
    }
}

pub fn replicate(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match node(ctx) {
        Ok(c) if is_me(c, &argv[2]) => Reply::err("ERR Can't replicate myself"),
        Ok(_) => unknown_node(&argv[2]),
        Err(e) => e,
    }
}

pub fn replicas(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match node(ctx) {
        Ok(c) if is_me(c, &argv[2]) => Reply::Array(Vec::new()),
        Ok(_) => unknown_node(&argv[2]),
        Err(e) => e,
    }
}

pub fn count_failure_reports(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match node(ctx) {
        Ok(c) if is_me(c, &argv[2]) => Reply::Int(0),
        Ok(_) => unknown_node(&argv[2]),
        Err(e) => e,
    }
}

pub fn failover(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    with_node(ctx, |_| {
        if argv.len() > 3 {
            return subcommand_syntax(argv);
        }
        if let Some(a) = argv.get(2) {
            if !eq(a, "force") && !eq(a, "takeover") {
                return syntax();
            }
        }
        Reply::err("ERR You should send CLUSTER FAILOVER to a replica")
    })
}

pub fn setslot(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let c = match node(ctx) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let slot = match slot_arg(&argv[2]) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let action = &argv[3];
    let argc = argv.len();
    let self_only = || {
        Reply::err("ERR KV Lab runs a single-node cluster: there is no other node to move a slot to or from")
    };
    if eq(action, "migrating") && argc == 5 {
        if !c.owns(slot) {
            return Reply::Error(format!("ERR I'm not the owner of hash slot {slot}"));
        }
        if !is_me(c, &argv[4]) {
            return Reply::Error(format!(
                "ERR I don't know about node {}",
                String::from_utf8_lossy(&argv[4])
            ));
        }
        self_only()
    } else if eq(action, "importing") && argc == 5 {
        if c.owns(slot) {
            return Reply::Error(format!("ERR I'm already the owner of hash slot {slot}"));
        }
        if !is_me(c, &argv[4]) {
            return Reply::Error(format!(
                "ERR I don't know about node {}",
                String::from_utf8_lossy(&argv[4])
            ));
        }
        self_only()
    } else if eq(action, "stable") && argc == 4 {
        Reply::ok()
    } else if eq(action, "node") && argc == 5 {
        if !is_me(c, &argv[4]) {
            return unknown_node(&argv[4]);
        }
        c.set_slot(slot, true);
        Reply::ok()
    } else {
        Reply::err("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
    }
}
