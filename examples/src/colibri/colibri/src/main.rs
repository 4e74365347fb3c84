//! colibri: the command line client of the colibri control plane.
//!
//!     colibri health  [--addr HOST:PORT] [--timeout SECONDS]
//!     colibri status  [--addr HOST:PORT] [--timeout SECONDS]
//!     colibri version
//!
//! `health` prints `ok` and exits 0 when the daemon is healthy, otherwise
//! prints `colibri: unhealthy: REASON` on stderr and exits 1.  The address
//! defaults to $COLIBRI_ADDR, then 127.0.0.1:7077.  Usage errors exit 2.

use std::process::exit;
use std::time::Duration;

const USAGE: &str = "usage: colibri health [--addr HOST:PORT] [--timeout SECONDS]
       colibri status [--addr HOST:PORT] [--timeout SECONDS]
       colibri version";

struct Opts {
    addr: String,
    timeout: Duration,
}

fn usage_error(msg: &str) -> ! {
    eprintln!("colibri: {}\n{}", msg, USAGE);
    exit(2);
}

fn parse_opts(args: &[String]) -> Opts {
    let mut o = Opts {
        addr: std::env::var("COLIBRI_ADDR").unwrap_or_else(|_| colibri_proto::default_addr()),
        timeout: Duration::from_secs(5),
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (a, None),
        };
        let mut value = || -> String {
            if let Some(v) = inline.clone() {
                return v;
            }
            i += 1;
            args.get(i)
                .cloned()
                .unwrap_or_else(|| usage_error(&format!("{} needs a value", name)))
        };
        match name {
            "--addr" | "-a" => o.addr = value(),
            "--timeout" | "-t" => {
                let v = value();
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s > 0.0 && *s <= 3600.0)
                    .unwrap_or_else(|| usage_error(&format!("bad timeout '{}'", v)));
                o.timeout = Duration::from_secs_f64(secs);
            }
            _ => usage_error(&format!("unknown option '{}'", a)),
        }
        i += 1;
    }
    o
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = match args.first() {
        Some(c) => c.as_str(),
        None => usage_error("no command"),
    };
    match cmd {
        "version" | "--version" | "-V" => {
            println!("colibri {}", env!("CARGO_PKG_VERSION"));
        }
        "help" | "--help" | "-h" => println!("{}", USAGE),
        "health" => {
            let o = parse_opts(&args[1..]);
            match colibri_proto::check_health(&o.addr, o.timeout) {
                Ok(colibri_proto::Health::Ok) => println!("ok"),
                Ok(colibri_proto::Health::Unhealthy(why)) => {
                    eprintln!("colibri: unhealthy: {}", why);
                    exit(1);
                }
                Err(e) => {
                    eprintln!("colibri: unhealthy: {}", e);
                    exit(1);
                }
            }
        }
        "status" => {
            let o = parse_opts(&args[1..]);
            match colibri_proto::fetch_status(&o.addr, o.timeout) {
                Ok(s) => print!("{}", s.to_text()),
                Err(e) => {
                    eprintln!("colibri: status: {}", e);
                    exit(1);
                }
            }
        }
        _ => usage_error(&format!("unknown command '{}'", cmd)),
    }
}
