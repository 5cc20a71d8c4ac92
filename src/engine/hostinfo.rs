//! What INFO says of the process and the machine it runs on (the Server, Memory and CPU
//! sections): read from the operating system by kvlab-server, and what a page can know
//! in the browser, where there is no process to speak of.

/// CPU time used, in seconds (INFO's CPU section).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CpuTimes {
    pub sys: f64,
    pub user: f64,
    /// The thread the engine runs on (Redis's main thread).
    pub sys_main: f64,
    pub user_main: f64,
}

/// The machine's RAM and swap in bytes (`sysinfo`), read once.
#[cfg(not(target_arch = "wasm32"))]
pub fn ram_and_swap() -> Option<(u64, u64)> {
    static BYTES: std::sync::OnceLock<Option<(u64, u64)>> = std::sync::OnceLock::new();
    *BYTES.get_or_init(|| {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: `sysinfo` fills the zeroed struct it is given and touches nothing else.
            let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
            if unsafe { libc::sysinfo(&mut si) } == 0 {
                let unit = (si.mem_unit as u64).max(1);
                return Some((
                    (si.totalram as u64).saturating_mul(unit),
                    (si.totalswap as u64).saturating_mul(unit),
                ));
            }
        }
        None
    })
}

#[cfg(target_arch = "wasm32")]
pub fn ram_and_swap() -> Option<(u64, u64)> {
    None
}

/// INFO total_system_memory: 0 where it is unknown, as Redis reports it.
pub fn total_system_memory() -> u64 {
    ram_and_swap().map_or(0, |(ram, _)| ram)
}

/// INFO os: `uname`'s system, release and machine ("Linux 6.1.0 x86_64").
#[cfg(not(target_arch = "wasm32"))]
pub fn os() -> String {
    // SAFETY: `uname` fills the zeroed struct it is given; its fields are NUL-terminated.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return std::env::consts::OS.to_string();
    }
    let field = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!(
        "{} {} {}",
        field(&u.sysname),
        field(&u.release),
        field(&u.machine)
    )
}

#[cfg(target_arch = "wasm32")]
pub fn os() -> String {
    "WebAssembly".to_string()
}

/// INFO process_id (1 in the browser: the page is the only "process").
pub fn process_id() -> u32 {
    if cfg!(target_arch = "wasm32") {
        1
    } else {
        std::process::id()
    }
}

/// INFO executable: the server binary's absolute path.
pub fn executable() -> String {
    if cfg!(target_arch = "wasm32") {
        return "kvlab".to_string();
    }
    std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "kvlab-server".to_string())
}

/// The process's and the calling thread's CPU time (`getrusage`); None where there is
/// none to read (the browser).
#[cfg(all(not(target_arch = "wasm32"), target_os = "linux"))]
pub fn cpu() -> Option<CpuTimes> {
    fn usage(who: libc::c_int) -> Option<(f64, f64)> {
        // SAFETY: `getrusage` fills the zeroed struct it is given.
        let mut r: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(who, &mut r) } != 0 {
            return None;
        }
        let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        Some((secs(r.ru_stime), secs(r.ru_utime)))
    }
    let (sys, user) = usage(libc::RUSAGE_SELF)?;
    let (sys_main, user_main) = usage(libc::RUSAGE_THREAD).unwrap_or((sys, user));
    Some(CpuTimes {
        sys,
        user,
        sys_main,
        user_main,
    })
}

#[cfg(not(all(not(target_arch = "wasm32"), target_os = "linux")))]
pub fn cpu() -> Option<CpuTimes> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_is_described() {
        assert!(process_id() > 0);
        assert!(!os().is_empty());
        if cfg!(target_os = "linux") {
            assert!(os().starts_with("Linux "), "{}", os());
            assert!(total_system_memory() > 0);
            // Some CPU was used to get here, and the thread's share is within the whole.
            let c = cpu().expect("getrusage");
            assert!(c.user + c.sys > 0.0);
            assert!(c.user_main <= c.user + 1e-3 && c.sys_main <= c.sys + 1e-3);
        }
    }
}
