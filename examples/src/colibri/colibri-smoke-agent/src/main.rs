//! colibri-smoke-agent: checks that the colibri daemon is healthy, with
//! retries, and says so in exactly one line on stdout:
//!
//!     colibri-smoke-agent: healthy                 (exit 0)
//!     colibri-smoke-agent: unhealthy: REASON       (exit 1)
//!
//!     colibri-smoke-agent [--addr HOST:PORT] [--retries N]
//!                         [--interval-ms MS] [--timeout-ms MS] [-v]
//!
//! Boot tests look for the first line on the console.  -v reports each
//! failed try on stderr.  Usage errors exit 2.

use std::process::exit;
use std::thread::sleep;
use std::time::Duration;

const USAGE: &str = "usage: colibri-smoke-agent [--addr HOST:PORT] [--retries N] [--interval-ms MS] [--timeout-ms MS] [-v]";

fn usage_error(msg: &str) -> ! {
    eprintln!("colibri-smoke-agent: {}\n{}", msg, USAGE);
    exit(2);
}

fn number(name: &str, v: Option<&String>, lo: u64, hi: u64) -> u64 {
    let v = v.unwrap_or_else(|| usage_error(&format!("{} needs a value", name)));
    v.parse::<u64>()
        .ok()
        .filter(|n| *n >= lo && *n <= hi)
        .unwrap_or_else(|| usage_error(&format!("bad {} '{}' ({}..{})", name, v, lo, hi)))
}

fn main() {
    let mut addr = std::env::var("COLIBRI_ADDR").unwrap_or_else(|_| colibri_proto::default_addr());
    let mut retries = 20u64;
    let mut interval = 500u64;
    let mut timeout = 2000u64;
    let mut verbose = false;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--addr" | "-a" => {
                i += 1;
                addr = args.get(i).cloned().unwrap_or_else(|| usage_error("--addr needs a value"));
            }
            "--retries" | "-r" => {
                i += 1;
                retries = number("--retries", args.get(i), 0, 100_000);
            }
            "--interval-ms" => {
                i += 1;
                interval = number("--interval-ms", args.get(i), 1, 3_600_000);
            }
            "--timeout-ms" => {
                i += 1;
                timeout = number("--timeout-ms", args.get(i), 1, 3_600_000);
            }
            "-v" | "--verbose" => verbose = true,
            "--version" | "-V" => {
                println!("colibri-smoke-agent {}", env!("CARGO_PKG_VERSION"));
                return;
            }
            "--help" | "-h" => {
                println!("{}", USAGE);
                return;
            }
            a => usage_error(&format!("unknown argument '{}'", a)),
        }
        i += 1;
    }

    let mut last = String::from("not checked");
    for attempt in 0..=retries {
        if attempt > 0 {
            sleep(Duration::from_millis(interval));
        }
        match colibri_proto::check_health(&addr, Duration::from_millis(timeout)) {
            Ok(colibri_proto::Health::Ok) => {
                println!("colibri-smoke-agent: healthy");
                return;
            }
            Ok(colibri_proto::Health::Unhealthy(why)) => last = why,
            Err(e) => last = e.to_string(),
        }
        if verbose {
            eprintln!("colibri-smoke-agent: try {}/{}: {}", attempt + 1, retries + 1, last);
        }
    }
    println!("colibri-smoke-agent: unhealthy: {}", last);
    exit(1);
}
