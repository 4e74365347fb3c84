//! The parts of libfeather (feather.h) colibri-daemon uses, behind safe
//! wrappers.  Linking is arranged by build.rs.

use std::ffi::CStr;
use std::os::raw::c_char;

extern "C" {
    fn feather_version() -> *const c_char;
    fn feather_crc32(crc: u32, buf: *const u8, len: usize) -> u32;
}

/// libfeather's version string, e.g. "1.2.0".
pub fn version() -> String {
    // SAFETY: feather_version returns a NUL-terminated static string.
    unsafe { CStr::from_ptr(feather_version()) }
        .to_string_lossy()
        .into_owned()
}

/// CRC-32 (zlib's) of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    // SAFETY: the pointer and length describe one live slice.
    unsafe { feather_crc32(0, data.as_ptr(), data.len()) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn check_value() {
        assert_eq!(super::crc32(b"123456789"), 0xcbf4_3926);
    }
}
