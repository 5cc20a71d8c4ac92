//! MIGRATE's network side for kvlab-server: blocking `std::net::TcpStream`s with
//! timeouts (the engine's `MigrateHost`). Like redis-server, whose MIGRATE uses
//! blocking socket calls, the event loop waits while a MIGRATE talks to its target, and
//! no step waits longer than the command's timeout.

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use kvlab::engine::cmd::migrate::{ConnectError, IoFail, MigrateConn, MigrateHost};

pub struct TcpHost;

struct Conn {
    r: BufReader<TcpStream>,
}

fn fail(e: &std::io::Error) -> IoFail {
    match e.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => IoFail::TimedOut,
        _ => IoFail::Other,
    }
}

/// The time left before `deadline` (None: it has passed).
fn left(deadline: Instant) -> Option<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
}

impl MigrateHost for TcpHost {
    fn connect(
        &mut self,
        host: &[u8],
        port: u16,
        timeout_ms: u64,
    ) -> Result<Box<dyn MigrateConn>, ConnectError> {
        // A C string: what comes after a NUL is not part of the name.
        let host = host.split(|&b| b == 0).next().unwrap_or_default();
        let host = std::str::from_utf8(host).map_err(|_| ConnectError::NoAddress)?;
        let addrs: Vec<_> = (host, port)
            .to_socket_addrs()
            .map_err(|_| ConnectError::NoAddress)?
            .collect();
        let timeout = Duration::from_millis(timeout_ms.max(1));
        // anetTcpGenericConnect: the first address a connection can be started to.
        // A refused or slow connection is one Redis started (it learns at the first
        // write); an address no connection can even start to is skipped.
        let mut started = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    return Ok(Box::new(Conn {
                        r: BufReader::new(s),
                    }));
                }
                Err(e) => match e.kind() {
                    ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset => {
                        started = Some(IoFail::Other);
                        break;
                    }
                    ErrorKind::TimedOut | ErrorKind::WouldBlock => {
                        started = Some(IoFail::TimedOut);
                        break;
                    }
                    _ => continue,
                },
            }
        }
        Err(match started {
            Some(f) => ConnectError::Io(f),
            None => ConnectError::NoAddress,
        })
    }
}

impl MigrateConn for Conn {
    fn write(&mut self, buf: &[u8], timeout_ms: u64) -> Result<(), IoFail> {
        let deadline = Instant::now() + Duration::from_millis(timeout_ms);
        let s = self.r.get_mut();
        let mut pos = 0;
        while pos < buf.len() {
            let t = left(deadline).ok_or(IoFail::TimedOut)?;
            s.set_write_timeout(Some(t)).map_err(|e| fail(&e))?;
            match s.write(&buf[pos..]) {
                Ok(0) => return Err(IoFail::Other),
                Ok(n) => pos += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(fail(&e)),
            }
        }
        Ok(())
    }

    fn read_line(&mut self, max: usize, timeout_ms: u64) -> Result<Vec<u8>, IoFail> {
        let deadline = Instant::now() + Duration::from_millis(timeout_ms);
        let mut line = Vec::new();
        loop {
            if self.r.buffer().is_empty() {
                let t = left(deadline).ok_or(IoFail::TimedOut)?;
                self.r
                    .get_ref()
                    .set_read_timeout(Some(t))
                    .map_err(|e| fail(&e))?;
            }
            let avail = match self.r.fill_buf() {
                Ok([]) => return Err(IoFail::Other),
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(fail(&e)),
            };
            let room = max - line.len();
            match avail.iter().take(room).position(|&c| c == b'\n') {
                Some(i) => {
                    line.extend_from_slice(&avail[..i]);
                    self.r.consume(i + 1);
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    return Ok(line);
                }
                None => {
                    let n = avail.len().min(room);
                    line.extend_from_slice(&avail[..n]);
                    self.r.consume(n);
                    if line.len() >= max {
                        // syncReadLine stops at its buffer's size; the rest stays.
                        return Ok(line);
                    }
                }
            }
        }
    }
}
