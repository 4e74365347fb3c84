//! Links colibri-daemon against libfeather (a C library).
//!
//! Where libfeather is, in this order:
//!   1. $FEATHER_LIBDIR (packagers set it: the ports framework passes
//!      FEATHER_LIBDIR=${LOCALBASE}/lib in CARGO_ENV);
//!   2. `pkg-config --variable=libdir feather` ($PKG_CONFIG or pkg-config);
//!   3. /usr/local/lib.
//! The binary gets a run path so that it finds libfeather.so at run time
//! without ld.so configuration: $FEATHER_RPATH if set, else that directory.

use std::env;
use std::process::Command;

fn pkg_config_libdir() -> Option<String> {
    let tool = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let out = Command::new(tool)
        .args(["--variable=libdir", "feather"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let dir = String::from_utf8(out.stdout).ok()?.trim().to_string();
    if dir.is_empty() {
        None
    } else {
        Some(dir)
    }
}

fn main() {
    for v in ["FEATHER_LIBDIR", "FEATHER_RPATH", "PKG_CONFIG", "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR"] {
        println!("cargo:rerun-if-env-changed={}", v);
    }
    println!("cargo:rerun-if-changed=build.rs");
    let libdir = env::var("FEATHER_LIBDIR")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(pkg_config_libdir)
        .unwrap_or_else(|| "/usr/local/lib".to_string());
    let rpath = env::var("FEATHER_RPATH")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| libdir.clone());
    println!("cargo:rustc-link-search=native={}", libdir);
    println!("cargo:rustc-link-lib=dylib=feather");
    println!("cargo:rustc-link-arg-bins=-Wl,-rpath,{}", rpath);
}
