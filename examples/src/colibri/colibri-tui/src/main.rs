//! colibri-tui: a terminal status screen for the colibri daemon.
//!
//!     colibri-tui [--addr HOST:PORT] [--interval SECONDS] [--once] [--no-color]
//!
//! Interactive mode redraws the screen (ANSI clear + home) every interval
//! until interrupted (Ctrl-C).  --once draws one frame without clearing the
//! screen and exits 0 when the daemon is healthy, 1 when it is not: that
//! is the mode for scripts and tests.  Colours are off with --no-color,
//! NO_COLOR or TERM=dumb.

use plume_ansi::{pad, Color, Style};
use std::io::Write;
use std::process::exit;
use std::time::Duration;

const USAGE: &str = "usage: colibri-tui [--addr HOST:PORT] [--interval SECONDS] [--once] [--no-color]";
const WIDTH: usize = 46;

fn usage_error(msg: &str) -> ! {
    eprintln!("colibri-tui: {}\n{}", msg, USAGE);
    exit(2);
}

/// One frame: a box with the daemon's health and status fields.  Returns
/// the text and whether the daemon was healthy.
fn frame(st: &Style, addr: &str) -> (String, bool) {
    let timeout = Duration::from_secs(2);
    let health = colibri_proto::check_health(addr, timeout);
    let (label, healthy) = match &health {
        Ok(colibri_proto::Health::Ok) => (st.paint("healthy", Color::Green), true),
        Ok(colibri_proto::Health::Unhealthy(why)) => {
            (st.paint(&format!("unhealthy: {}", why), Color::Yellow), false)
        }
        Err(e) => (st.paint(&format!("down: {}", e), Color::Red), false),
    };
    let mut rows: Vec<(String, String)> = vec![
        ("daemon".into(), addr.to_string()),
        ("health".into(), label),
    ];
    if let Ok(s) = colibri_proto::fetch_status(addr, timeout) {
        for key in ["name", "version", "state", "pid", "uptime_s", "requests", "config_crc32", "libfeather"] {
            if let Some(v) = s.get(key) {
                rows.push((key.to_string(), v.to_string()));
            }
        }
    }
    let title = st.bold(" colibri control plane ");
    let mut out = String::new();
    out.push('+');
    out.push_str(&dashes(&format!("-{}", title), WIDTH));
    out.push_str("+\n");
    for (k, v) in rows {
        let cell = format!(" {:<12} {}", k, v);
        let cell = if plume_ansi::visible_width(&cell) > WIDTH {
            cell.chars().take(WIDTH).collect()
        } else {
            cell
        };
        out.push('|');
        out.push_str(&pad(&cell, WIDTH));
        out.push_str("|\n");
    }
    out.push('+');
    out.push_str(&"-".repeat(WIDTH));
    out.push_str("+\n");
    (out, healthy)
}

/// `s` followed by dashes up to `width` visible characters.
fn dashes(s: &str, width: usize) -> String {
    let mut out = s.to_string();
    for _ in plume_ansi::visible_width(s)..width {
        out.push('-');
    }
    out
}

fn main() {
    let mut addr = std::env::var("COLIBRI_ADDR").unwrap_or_else(|_| colibri_proto::default_addr());
    let mut once = false;
    let mut style = Style::from_env();
    let mut interval = Duration::from_secs(2);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--addr" | "-a" => {
                i += 1;
                addr = args.get(i).cloned().unwrap_or_else(|| usage_error("--addr needs a value"));
            }
            "--interval" | "-i" => {
                i += 1;
                let v = args.get(i).cloned().unwrap_or_else(|| usage_error("--interval needs a value"));
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s >= 0.1 && *s <= 3600.0)
                    .unwrap_or_else(|| usage_error(&format!("bad interval '{}'", v)));
                interval = Duration::from_secs_f64(secs);
            }
            "--once" | "-1" => once = true,
            "--no-color" => style = Style::plain(),
            "--version" | "-V" => {
                println!("colibri-tui {}", env!("CARGO_PKG_VERSION"));
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
    if once {
        let (text, healthy) = frame(&style, &addr);
        print!("{}", text);
        exit(if healthy { 0 } else { 1 });
    }
    let stdout = std::io::stdout();
    loop {
        let (text, _) = frame(&style, &addr);
        let mut out = stdout.lock();
        let _ = write!(out, "{}{}(Ctrl-C to quit)\n", style.new_frame(), text);
        let _ = out.flush();
        drop(out);
        std::thread::sleep(interval);
    }
}
