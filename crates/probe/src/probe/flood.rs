//! The `flood=BYTES` step: a deterministic stream of printable lines, and
//! the FNV-1a 64 hash that lets a test check it arrived intact.

use std::io::{self, Write};

/// The xorshift64 seed; fixed so that every flood of the same size is the
/// same bytes.
const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// FNV-1a 64 offset basis and prime.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Bytes generated per write.
const CHUNK: usize = 64 * 1024;

/// The longest line, newline included.
const MAX_LINE: u64 = 80;

/// FNV-1a 64, incrementally.
#[derive(Clone, Copy)]
pub struct Fnv1a64(u64);

impl Fnv1a64 {
    pub fn new() -> Self {
        Fnv1a64(FNV_OFFSET)
    }

    pub fn update(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        }
        self.0 = h;
    }

    pub fn value(self) -> u64 {
        self.0
    }
}

/// The xorshift64 generator behind the flood.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Fills `dst` with printable ASCII (`!` to `~`), eight bytes per draw.
    fn fill_printable(&mut self, dst: &mut [u8]) {
        for group in dst.chunks_mut(8) {
            let bits = self.next().to_le_bytes();
            for (byte, random) in group.iter_mut().zip(bits) {
                *byte = b'!' + random % 94;
            }
        }
    }
}

/// Writes `total` flood bytes to `out`, returning their FNV-1a 64 hash.
///
/// The flood is lines of 0 to 79 printable ASCII characters each followed by
/// `\n` (line lengths drawn from the same generator), the last line cut
/// short so that the total is exactly `total` and still ends with `\n`.
pub fn flood(total: u64, out: &mut impl Write) -> io::Result<u64> {
    let mut random = Random(SEED);
    let mut hash = Fnv1a64::new();
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + MAX_LINE as usize);
    let mut left = total;
    while left > 0 {
        let len = (1 + random.next() % MAX_LINE).min(left);
        left -= len;
        let start = buf.len();
        buf.resize(start + len as usize, b'\n');
        let end = buf.len() - 1;
        random.fill_printable(&mut buf[start..end]);
        if buf.len() >= CHUNK || left == 0 {
            hash.update(&buf);
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.flush()?;
    Ok(hash.value())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_known_values() {
        assert_eq!(Fnv1a64::new().value(), 0xcbf2_9ce4_8422_2325);
        let mut h = Fnv1a64::new();
        h.update(b"a");
        assert_eq!(h.value(), 0xaf63_dc4c_8601_ec8c);
        let mut h = Fnv1a64::new();
        h.update(b"foobar");
        assert_eq!(h.value(), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn flood_has_exact_size_and_printable_lines() {
        for total in [0u64, 1, 2, 79, 80, 81, 1000, 200_000] {
            let mut out = Vec::new();
            let hash = flood(total, &mut out).unwrap();
            assert_eq!(out.len() as u64, total);
            let mut check = Fnv1a64::new();
            check.update(&out);
            assert_eq!(check.value(), hash);
            if total > 0 {
                assert_eq!(out.last(), Some(&b'\n'));
            }
            for line in out.split_inclusive(|&b| b == b'\n') {
                assert!(line.len() as u64 <= MAX_LINE, "line too long");
                assert_eq!(line.last(), Some(&b'\n'));
                assert!(line[..line.len() - 1].iter().all(|b| b.is_ascii_graphic()));
            }
        }
    }

    #[test]
    fn flood_is_deterministic_and_prefix_stable() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        flood(10_000, &mut a).unwrap();
        flood(10_000, &mut b).unwrap();
        assert_eq!(a, b);
        let mut longer = Vec::new();
        flood(20_000, &mut longer).unwrap();
        // Same lines, except that the shorter flood cuts its last line.
        let cut = a.iter().rposition(|&b| b == b'\n').unwrap();
        let last_full = a[..cut].iter().rposition(|&b| b == b'\n').unwrap();
        assert_eq!(a[..=last_full], longer[..=last_full]);
    }
}
