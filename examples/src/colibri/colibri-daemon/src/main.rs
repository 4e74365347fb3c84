//! colibri-daemon: the colibri control plane's daemon.  It serves the
//! health protocol of colibri-proto over HTTP/1.0 on 127.0.0.1 and is
//! started by the rc.d script colibri_daemon.
//!
//!     colibri-daemon [--config FILE] [--bind ADDR] [--port PORT]
//!                    [--pidfile FILE] [--log FILE] [--daemon]
//!     colibri-daemon --check-config --config FILE
//!     colibri-daemon --version
//!
//! Without --daemon it stays in the foreground and logs to stderr.  With
//! --daemon the listening socket is bound first (so a busy port fails the
//! start), then the process forks; the parent writes the child's pid to
//! the pidfile and exits 0.  SIGTERM or SIGINT removes the pidfile and
//! exits 0.  The configuration file has `key = value` lines (`#` comments):
//! `bind`, `port`, `maintenance` (yes/no: /health answers 503) and `name`.
//! Command line options win over the file.  Exit status: 0, 1 (runtime
//! failure), 2 (usage or configuration error).

mod feather;
mod sys;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::exit;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: colibri-daemon [--config FILE] [--bind ADDR] [--port PORT] [--pidfile FILE] [--log FILE] [--daemon]
       colibri-daemon --check-config --config FILE
       colibri-daemon --version";

#[derive(Debug, Clone)]
struct Config {
    bind: String,
    port: u16,
    maintenance: bool,
    name: String,
    path: Option<String>,
    crc32: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            bind: "127.0.0.1".into(),
            port: colibri_proto::DEFAULT_PORT,
            maintenance: false,
            name: "colibri".into(),
            path: None,
            crc32: feather::crc32(b""),
        }
    }
}

fn usage_error(msg: &str) -> ! {
    eprintln!("colibri-daemon: {}\n{}", msg, USAGE);
    exit(2);
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" => Some(true),
        "no" | "false" | "off" | "0" => Some(false),
        _ => None,
    }
}

fn parse_port(v: &str) -> Option<u16> {
    v.parse::<u16>().ok().filter(|p| *p != 0)
}

/// Applies the `key = value` text of `path` to `c`; errors name FILE:LINE.
fn apply_config(c: &mut Config, path: &str, text: &str) -> Result<(), String> {
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let at = format!("{}:{}", path, i + 1);
        let (k, v) = line
            .split_once('=')
            .map(|(k, v)| (k.trim(), v.trim().trim_matches('"')))
            .ok_or_else(|| format!("{}: expected 'key = value', got {:?}", at, line))?;
        match k {
            "bind" => c.bind = v.to_string(),
            "port" => {
                c.port = parse_port(v).ok_or_else(|| format!("{}: bad port {:?}", at, v))?
            }
            "maintenance" => {
                c.maintenance =
                    parse_bool(v).ok_or_else(|| format!("{}: maintenance wants yes or no, got {:?}", at, v))?
            }
            "name" => c.name = v.to_string(),
            _ => return Err(format!("{}: unknown key {:?}", at, k)),
        }
    }
    c.crc32 = feather::crc32(text.as_bytes());
    Ok(())
}

struct Args {
    config: Option<String>,
    bind: Option<String>,
    port: Option<u16>,
    pidfile: Option<String>,
    log: Option<String>,
    daemon: bool,
    check: bool,
}

fn parse_args() -> Args {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut a = Args {
        config: None,
        bind: None,
        port: None,
        pidfile: None,
        log: None,
        daemon: false,
        check: false,
    };
    let mut i = 0;
    while i < argv.len() {
        let opt = argv[i].as_str();
        let mut val = || -> String {
            i += 1;
            argv.get(i)
                .cloned()
                .unwrap_or_else(|| usage_error(&format!("{} needs a value", opt)))
        };
        match opt {
            "--config" | "-c" => a.config = Some(val()),
            "--bind" | "-b" => a.bind = Some(val()),
            "--port" | "-p" => {
                let v = val();
                a.port = Some(parse_port(&v).unwrap_or_else(|| usage_error(&format!("bad port '{}'", v))));
            }
            "--pidfile" | "-P" => a.pidfile = Some(val()),
            "--log" | "-l" => a.log = Some(val()),
            "--daemon" | "-d" => a.daemon = true,
            "--foreground" | "-f" => a.daemon = false,
            "--check-config" | "-n" => a.check = true,
            "--version" | "-V" => {
                println!(
                    "colibri-daemon {} (colibri-proto, libfeather {})",
                    env!("CARGO_PKG_VERSION"),
                    feather::version()
                );
                exit(0);
            }
            "--help" | "-h" => {
                println!("{}", USAGE);
                exit(0);
            }
            _ => usage_error(&format!("unknown option '{}'", opt)),
        }
        i += 1;
    }
    a
}

struct State {
    cfg: Config,
    started: Instant,
    requests: AtomicU64,
}

fn answer(state: &State, method: &str, path: &str) -> (u16, String) {
    if method != "GET" {
        return (405, "only GET\n".into());
    }
    match path {
        colibri_proto::HEALTH_PATH => {
            if state.cfg.maintenance {
                (503, "maintenance\n".into())
            } else {
                (200, "ok\n".into())
            }
        }
        colibri_proto::STATUS_PATH => {
            let c = &state.cfg;
            let mut s = colibri_proto::Status::new();
            s.push("name", &c.name);
            s.push("version", env!("CARGO_PKG_VERSION"));
            s.push("state", if c.maintenance { "maintenance" } else { "ok" });
            s.push("pid", std::process::id());
            s.push("uptime_s", state.started.elapsed().as_secs());
            s.push("requests", state.requests.load(Ordering::Relaxed));
            s.push("listen", format!("{}:{}", c.bind, c.port));
            s.push("config", c.path.as_deref().unwrap_or("-"));
            s.push("config_crc32", format!("{:08x}", c.crc32));
            s.push("libfeather", feather::version());
            (200, s.to_text())
        }
        "/version" => (200, format!("colibri-daemon {}\n", env!("CARGO_PKG_VERSION"))),
        _ => (404, format!("no such path {}\n", path)),
    }
}

fn serve(state: &State, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    // Skip the headers: nothing in them matters to these endpoints.
    let mut h = String::new();
    while reader.read_line(&mut h).map_or(false, |n| n > 0) && h.trim_end() != "" {
        h.clear();
    }
    state.requests.fetch_add(1, Ordering::Relaxed);
    let (status, body) = match colibri_proto::parse_request_line(&line) {
        Ok((m, p)) => answer(state, &m, &p),
        Err(_) => (400, "bad request\n".into()),
    };
    let mut out = stream;
    let _ = out.write_all(&colibri_proto::format_response(status, &body));
}

fn write_pidfile(path: &str, pid: u32) -> std::io::Result<()> {
    let tmp = format!("{}.tmp", path);
    fs::write(&tmp, format!("{}\n", pid))?;
    fs::rename(&tmp, path)
}

fn main() {
    let args = parse_args();
    let mut cfg = Config::default();
    if let Some(path) = &args.config {
        match fs::read_to_string(path) {
            Ok(text) => {
                if let Err(e) = apply_config(&mut cfg, path, &text) {
                    eprintln!("colibri-daemon: {}", e);
                    exit(2);
                }
                cfg.path = Some(path.clone());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !args.check => {
                eprintln!("colibri-daemon: {}: not found, using defaults", path);
            }
            Err(e) => {
                eprintln!("colibri-daemon: {}: {}", path, e);
                exit(2);
            }
        }
    } else if args.check {
        usage_error("--check-config needs --config FILE");
    }
    if let Some(b) = args.bind {
        cfg.bind = b;
    }
    if let Some(p) = args.port {
        cfg.port = p;
    }
    if args.check {
        println!("colibri-daemon: {}: ok", cfg.path.as_deref().unwrap_or("-"));
        return;
    }

    let addr = format!("{}:{}", cfg.bind, cfg.port);
    let listener = match TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("colibri-daemon: cannot listen on {}: {}", addr, e);
            exit(1);
        }
    };
    let log = match &args.log {
        Some(p) => match fs::OpenOptions::new().create(true).append(true).open(p) {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("colibri-daemon: {}: {}", p, e);
                exit(1);
            }
        },
        None => None,
    };
    if args.daemon {
        match sys::fork_process() {
            Err(e) => {
                eprintln!("colibri-daemon: fork: {}", e);
                exit(1);
            }
            Ok(0) => {
                if let Err(e) = sys::detach(log.as_ref()) {
                    eprintln!("colibri-daemon: detach: {}", e);
                    exit(1);
                }
            }
            Ok(child) => {
                if let Some(p) = &args.pidfile {
                    if let Err(e) = write_pidfile(p, child as u32) {
                        eprintln!("colibri-daemon: {}: {}", p, e);
                        exit(1);
                    }
                }
                exit(0);
            }
        }
    } else if let Some(p) = &args.pidfile {
        if let Err(e) = write_pidfile(p, std::process::id()) {
            eprintln!("colibri-daemon: {}: {}", p, e);
            exit(1);
        }
    }
    sys::exit_on_signals(args.pidfile.as_deref());
    eprintln!(
        "colibri-daemon: {} listening on {} (pid {}, libfeather {}, config crc32 {:08x})",
        cfg.name,
        addr,
        std::process::id(),
        feather::version(),
        cfg.crc32
    );
    let state = Arc::new(State {
        cfg,
        started: Instant::now(),
        requests: AtomicU64::new(0),
    });
    for conn in listener.incoming() {
        match conn {
            Ok(stream) => {
                let st = Arc::clone(&state);
                thread::spawn(move || serve(&st, stream));
            }
            Err(e) => eprintln!("colibri-daemon: accept: {}", e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_lines() {
        let mut c = Config::default();
        apply_config(&mut c, "c.conf", "# x\nport = 8080\nmaintenance = yes\n").unwrap();
        assert_eq!(c.port, 8080);
        assert!(c.maintenance);
        let e = apply_config(&mut c, "c.conf", "\nport = 0\n").unwrap_err();
        assert_eq!(e, "c.conf:2: bad port \"0\"");
        assert!(apply_config(&mut c, "c.conf", "colour = red\n").is_err());
    }
}
