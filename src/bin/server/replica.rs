//! kvlab-server as a replica: the connection to the master that REPLICAOF (or the
//! `replicaof` configuration) names, as Redis's connectWithMaster / syncWithMaster /
//! readSyncBulkPayload and the master client do it:
//!
//! 1. connect (from `bind-source-addr` when set), PING, AUTH with `masteruser` /
//!    `masterauth` when set, REPLCONF listening-port and capa psync2;
//! 2. PSYNC: the master's replication ID and the next offset when this replica has
//!    followed this master before (a partial resync, `+CONTINUE`), else `? -1`; after
//!    `+FULLRESYNC <replid> <offset>` the RDB bulk is read whole and loaded over the
//!    keyspace (no `capa eof` is announced, so the master sends a sized bulk);
//! 3. the stream: each command is run as the master client (no replies; the replica's
//!    offset counts its bytes), `REPLCONF GETACK` is answered at once, and `REPLCONF ACK
//!    <offset>` goes to the master every second.
//!
//! A failed step closes the connection and the link is tried again a second later, as
//! Redis's replicationCron does; REPLICAOF NO ONE or another REPLICAOF ends the task
//! (the engine's `master_gen` moves).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use kvlab::engine::Engine;
use kvlab::resp::{Next, ReadLimits, RequestReader};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::conf::{log, NOTICE, WARNING};

/// What the link needs of the server: the engine, and the turn's end (serve blocked
/// clients, write what the replicas of this server and the AOF must get).
pub type AfterBatch = Rc<dyn Fn(&mut Engine)>;

fn encode(argv: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", argv.len()).into_bytes();
    for a in argv {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn cfg(eng: &Rc<RefCell<Engine>>, name: &str) -> String {
    eng.borrow().core.config.get(name).unwrap_or_default()
}

/// Follows the master of generation `gen` until REPLICAOF changes it.
pub async fn run(engine: Rc<RefCell<Engine>>, gen: u64, after: AfterBatch) {
    // Where this replica is in the master's stream, kept across reconnections (the
    // cached master: a partial resync when the master still has the bytes).
    let mut cached: Option<(String, u64)> = None;
    loop {
        let target = {
            let eng = engine.borrow();
            match &eng.core.repl.master {
                Some(m) if eng.core.repl.master_gen == gen => (m.host.clone(), m.port),
                _ => return,
            }
        };
        let done = session(&engine, gen, &target, &mut cached, &after).await;
        if let Err(e) = done {
            if !e.is_empty() {
                log(WARNING, &e);
            }
        }
        engine.borrow_mut().master_link(gen, "connect");
        if engine.borrow().core.repl.master_gen != gen {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn connect(host: &str, port: u16, source: &str) -> std::io::Result<TcpStream> {
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, port)).await?.collect();
    let mut last = std::io::Error::other("no address");
    for addr in addrs {
        let sock = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        if !source.is_empty() {
            let ip: std::net::IpAddr = source
                .parse()
                .map_err(|_| std::io::Error::other("bad bind-source-addr"))?;
            sock.bind(std::net::SocketAddr::new(ip, 0))?;
        }
        match sock.connect(addr).await {
            Ok(s) => return Ok(s),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// One reply line (a master may send bare newlines as keep-alives first).
async fn line<R: AsyncBufReadExt + Unpin>(r: &mut R, timeout: Duration) -> Result<String, String> {
    loop {
        let mut l = String::new();
        let n = tokio::time::timeout(timeout, r.read_line(&mut l))
            .await
            .map_err(|_| "Timeout connecting to the MASTER...".to_string())?
            .map_err(|e| format!("Error condition on socket for SYNC: {e}"))?;
        if n == 0 {
            return Err("Master closed the connection during the handshake".into());
        }
        let l = l.trim_end_matches(['\r', '\n']).to_string();
        if !l.is_empty() {
            return Ok(l);
        }
    }
}

async fn session(
    engine: &Rc<RefCell<Engine>>,
    gen: u64,
    (host, port): &(String, u16),
    cached: &mut Option<(String, u64)>,
    after: &AfterBatch,
) -> Result<(), String> {
    let timeout = Duration::from_secs(cfg(engine, "repl-timeout").parse().unwrap_or(60).max(1));
    log(NOTICE, &format!("Connecting to MASTER {host}:{port}"));
    engine.borrow_mut().master_link(gen, "connecting");
    let source = cfg(engine, "bind-source-addr");
    let sock = tokio::time::timeout(timeout, connect(host, *port, &source))
        .await
        .map_err(|_| "Timeout connecting to the MASTER...".to_string())?
        .map_err(|e| format!("Unable to connect to MASTER: {e}"))?;
    let _ = sock.set_nodelay(true);
    log(NOTICE, "MASTER <-> REPLICA sync started");
    let peer = sock.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    let local = sock.local_addr().map(|a| a.to_string()).unwrap_or_default();
    let (rd, mut wr) = sock.into_split();
    let mut rd = BufReader::new(rd);
    let w = |e: std::io::Error| format!("Error writing to MASTER: {e}");

    wr.write_all(&encode(&[b"PING"])).await.map_err(w)?;
    let pong = line(&mut rd, timeout).await?;
    if pong.starts_with('-')
        && !pong.starts_with("-NOAUTH")
        && !pong.starts_with("-NOPERM")
        && !pong.starts_with("-ERR operation not permitted")
    {
        return Err(format!("Error reply to PING from master: '{pong}'"));
    }
    log(
        NOTICE,
        "Master replied to PING, replication can continue...",
    );

    let pass = cfg(engine, "masterauth");
    if !pass.is_empty() {
        let user = cfg(engine, "masteruser");
        let auth = if user.is_empty() {
            encode(&[b"AUTH", pass.as_bytes()])
        } else {
            encode(&[b"AUTH", user.as_bytes(), pass.as_bytes()])
        };
        wr.write_all(&auth).await.map_err(w)?;
        let r = line(&mut rd, timeout).await?;
        if r.starts_with('-') {
            return Err(format!("Unable to AUTH to MASTER: {r}"));
        }
    }
    let myport = cfg(engine, "replica-announce-port");
    let myport = if myport.is_empty() || myport == "0" {
        cfg(engine, "port")
    } else {
        myport
    };
    wr.write_all(&encode(&[
        b"REPLCONF",
        b"listening-port",
        myport.as_bytes(),
    ]))
    .await
    .map_err(w)?;
    let r = line(&mut rd, timeout).await?;
    if r.starts_with('-') {
        log(
            NOTICE,
            &format!("(Non critical) Master does not understand REPLCONF listening-port: {r}"),
        );
    }
    let announce_ip = cfg(engine, "replica-announce-ip");
    if !announce_ip.is_empty() {
        wr.write_all(&encode(&[
            b"REPLCONF",
            b"ip-address",
            announce_ip.as_bytes(),
        ]))
        .await
        .map_err(w)?;
        let _ = line(&mut rd, timeout).await?;
    }
    wr.write_all(&encode(&[b"REPLCONF", b"capa", b"psync2"]))
        .await
        .map_err(w)?;
    let _ = line(&mut rd, timeout).await?;

    let psync = match cached.as_ref() {
        Some((id, off)) => {
            log(
                NOTICE,
                &format!(
                    "Trying a partial resynchronization (request {id}:{}).",
                    off + 1
                ),
            );
            encode(&[b"PSYNC", id.as_bytes(), (off + 1).to_string().as_bytes()])
        }
        None => {
            log(
                NOTICE,
                "Partial resynchronization not possible (no cached master)",
            );
            encode(&[b"PSYNC", b"?", b"-1"])
        }
    };
    wr.write_all(&psync).await.map_err(w)?;
    let reply = line(&mut rd, timeout).await?;
    if let Some(rest) = reply.strip_prefix("+FULLRESYNC ") {
        let mut it = rest.split(' ');
        let replid = it.next().unwrap_or_default().to_string();
        let offset: u64 = it.next().and_then(|o| o.parse().ok()).unwrap_or(0);
        log(
            NOTICE,
            &format!("Full resync from master: {replid}:{offset}"),
        );
        if let Some(m) = engine.borrow_mut().core.repl.master.as_mut() {
            m.state = "sync";
        }
        let bulk = line(&mut rd, timeout).await?;
        let len: usize = bulk
            .strip_prefix('$')
            .and_then(|l| l.parse().ok())
            .ok_or_else(|| format!("Bad protocol from MASTER, the first byte is not '$' (we received '{bulk}'), are you sure the host and port are right?"))?;
        log(
            NOTICE,
            &format!("MASTER <-> REPLICA sync: receiving {len} bytes from master to disk"),
        );
        // Grown as the bytes come (a bogus length costs nothing until they do).
        let mut image = Vec::with_capacity(len.min(1 << 20));
        let got = tokio::time::timeout(
            timeout.max(Duration::from_secs(60)) * 10,
            (&mut rd).take(len as u64).read_to_end(&mut image),
        )
        .await
        .map_err(|_| "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.".to_string())?
        .map_err(|e| format!("I/O error trying to sync with MASTER: {e}"))?;
        if got != len {
            return Err("I/O error trying to sync with MASTER: connection lost".into());
        }
        log(NOTICE, "MASTER <-> REPLICA sync: Flushing old data");
        log(NOTICE, "MASTER <-> REPLICA sync: Loading DB in memory");
        let loaded = engine
            .borrow_mut()
            .load_master_image(&image, &replid, offset);
        if let Err(e) = loaded {
            return Err(format!(
                "Failed trying to load the MASTER synchronization DB from disk: {e}"
            ));
        }
        log(NOTICE, "MASTER <-> REPLICA sync: Finished with success");
    } else if let Some(rest) = reply.strip_prefix("+CONTINUE") {
        log(NOTICE, "Successful partial resynchronization with master.");
        let newid = rest.trim();
        if !newid.is_empty() {
            engine.borrow_mut().core.replid = newid.to_string();
        }
        log(
            NOTICE,
            "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.",
        );
    } else {
        *cached = None;
        return Err(format!("Unexpected reply to PSYNC from master: {reply}"));
    }
    if engine.borrow().core.repl.master_gen != gen {
        return Ok(());
    }
    let id = engine.borrow_mut().connect_master(&peer, &local);
    let result = stream(engine, gen, id, &mut rd, &mut wr, cached, after, timeout).await;
    // The master client goes with its connection (whatever REPLICAOF did meanwhile).
    engine.borrow_mut().disconnect(id);
    result
}

#[allow(clippy::too_many_arguments)]
async fn stream(
    engine: &Rc<RefCell<Engine>>,
    gen: u64,
    id: u64,
    rd: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    wr: &mut tokio::net::tcp::OwnedWriteHalf,
    cached: &mut Option<(String, u64)>,
    after: &AfterBatch,
    timeout: Duration,
) -> Result<(), String> {
    let mut buf: Vec<u8> = Vec::new();
    let mut reader = RequestReader::new();
    let limits = ReadLimits {
        // A bogus master cannot make this replica reserve more than a bulk may hold.
        max_bulk: cfg(engine, "proto-max-bulk-len")
            .parse()
            .unwrap_or(512 << 20),
        query_buffer: usize::MAX,
        unauthenticated: false,
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut last_io = tokio::time::Instant::now();
    let ack = |off: u64| encode(&[b"REPLCONF", b"ACK", off.to_string().as_bytes()]);
    loop {
        {
            let eng = engine.borrow();
            if eng.core.repl.master_gen != gen {
                return Ok(());
            }
            *cached = Some((eng.core.replid.clone(), eng.core.repl.offset));
        }
        let mut chunk = [0u8; 16 * 1024];
        tokio::select! {
            _ = tick.tick() => {
                if last_io.elapsed() > timeout {
                    return Err("MASTER timeout: no data nor PING received...".into());
                }
                let off = engine.borrow().core.repl.offset;
                wr.write_all(&ack(off)).await.map_err(|e| format!("Error writing to MASTER: {e}"))?;
                continue;
            }
            r = rd.read(&mut chunk) => {
                match r {
                    Ok(0) => return Err("Connection with master lost.".into()),
                    Ok(n) => {
                        buf.extend_from_slice(&chunk[..n]);
                        engine.borrow_mut().net_read(id, n);
                    }
                    Err(e) => return Err(format!("Connection with master lost: {e}")),
                }
            }
        }
        last_io = tokio::time::Instant::now();
        let mut pos = 0;
        let mut acks = Vec::new();
        {
            let mut eng = engine.borrow_mut();
            loop {
                let start = pos;
                match reader.next(&buf, &mut pos, limits) {
                    Next::Command => {
                        let argv = reader.argv().to_vec();
                        let getack = argv.len() >= 2
                            && argv[0].eq_ignore_ascii_case(b"replconf")
                            && argv[1].eq_ignore_ascii_case(b"getack");
                        if getack {
                            // Answered with the offset before this command, as Redis.
                            acks.push(ack(eng.core.repl.offset));
                        }
                        eng.apply_from_master(id, &argv, &buf[start..pos]);
                    }
                    Next::More => break,
                    Next::QueryBufferFull | Next::Error(_) => {
                        return Err("Protocol error from MASTER".into());
                    }
                }
            }
            after(&mut eng);
        }
        buf.drain(..pos);
        for a in acks {
            wr.write_all(&a)
                .await
                .map_err(|e| format!("Error writing to MASTER: {e}"))?;
        }
    }
}
