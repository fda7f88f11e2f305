//! Bounded reading of every input file: the one place that opens what a user names, refuses
//! what is not a regular file and stops reading at a size cap per kind of file, so that
//! `/dev/zero`, a FIFO, a directory, a huge file or a decompression bomb is an error naming the
//! file's kind and the limit instead of gigabytes of memory or a process blocked forever.
//!
//! The caps (`docs/reliability.md` lists them) are far above any real input: the largest data
//! file shipped in `../shared/data` is a 190 KB zstd month of AWS prices that inflates to a few
//! megabytes, and a scenario is a page of TOML.

use std::io::Read;
use std::path::Path;

/// What a file is to spotsim: picks its size cap and names it in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A scenario TOML file.
    Scenario,
    /// A fleet TOML file.
    Fleet,
    /// An availability trace (`spot.market.file`, `spotsim fit trace`).
    Trace,
    /// A spot price history (`spot.price.file`), also the cap of its decompressed text.
    Price,
    /// A CSV data file: an empirical distribution's column, a fleet's submission plan.
    DataCsv,
    /// A `CreateTrainingJob` request or a `DescribeTrainingJob` document (JSON).
    JobDocument,
    /// A part file of `spotsim run --shard` or `spotsim fleet --shard`.
    Part,
    /// A Spot Advisor feed (`spot.advisor_file`, `spot-advisor-data.json`).
    AdvisorFeed,
}

/// One mebibyte, in bytes.
const MIB: u64 = 1 << 20;

impl FileKind {
    /// The most bytes spotsim reads from a file of this kind (after decompression, for a
    /// compressed price history). Traces, prices and CSV data are generous (256 MiB, a hundred
    /// times the largest real file we know of); TOML and JSON documents a person writes or AWS
    /// prints are 16 MiB; part files, which carry quantile stores, 256 MiB.
    pub fn cap_bytes(self) -> u64 {
        match self {
            FileKind::Scenario | FileKind::Fleet | FileKind::JobDocument => 16 * MIB,
            FileKind::Trace | FileKind::Price | FileKind::DataCsv | FileKind::Part => 256 * MIB,
            // The 2025 feed is under 1 MB.
            FileKind::AdvisorFeed => 64 * MIB,
        }
    }

    /// The kind as a message names it.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Scenario => "scenario",
            FileKind::Fleet => "fleet",
            FileKind::Trace => "trace",
            FileKind::Price => "price",
            FileKind::DataCsv => "CSV data",
            FileKind::JobDocument => "job document",
            FileKind::Part => "part",
            FileKind::AdvisorFeed => "Spot Advisor feed",
        }
    }
}

/// Why a file was not read. The message does not name the path: callers prefix it.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The operating system refused (no such file, permission, ...).
    #[error("cannot read the {} file: {source}", kind.name())]
    Io {
        /// What the file was to be.
        kind: FileKind,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A directory, device, FIFO or socket.
    #[error(
        "is {what}, not a regular file: spotsim reads a {} file only from a regular file",
        kind.name()
    )]
    NotRegular {
        /// What the file was to be.
        kind: FileKind,
        /// What it is instead ("a directory", "a FIFO", ...).
        what: &'static str,
    },
    /// The file (or its decompressed content) passes the cap of its kind.
    #[error(
        "is larger than {} ({}), the limit for a {} file{}",
        format_size(*cap_bytes),
        cap_bytes,
        kind.name(),
        if *decompressed { " once decompressed" } else { "" }
    )]
    TooLarge {
        /// What the file was to be.
        kind: FileKind,
        /// The cap it passed, bytes.
        cap_bytes: u64,
        /// Whether the cap was passed while decompressing.
        decompressed: bool,
    },
}

impl ReadError {
    /// The reason alone, for a message that already says the file cannot be read: the
    /// operating system's words, or the refusal.
    pub fn detail(&self) -> String {
        match self {
            ReadError::Io { source, .. } => source.to_string(),
            refused => refused.to_string(),
        }
    }
}

/// `256 MiB` for a whole number of mebibytes, else bytes.
fn format_size(bytes: u64) -> String {
    if bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// What a non-regular file is, for the message.
fn describe_type(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Reads the whole of `path`, a regular file of `kind`, refusing it if it is larger than the
/// kind's cap. The type is checked before the file is opened, so a FIFO is refused without
/// blocking; the read itself stops one byte past the cap, so a file that grows meanwhile (or
/// lies about its size, as `/proc` files do) cannot pass it either. A UTF-8 byte-order mark
/// at the start is dropped: it is an encoding marker, never content.
pub fn read_bounded(path: &Path, kind: FileKind) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io { kind, source };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if !metadata.file_type().is_file() {
        return Err(ReadError::NotRegular {
            kind,
            what: describe_type(metadata.file_type()),
        });
    }
    let cap_bytes = kind.cap_bytes();
    let too_large = ReadError::TooLarge {
        kind,
        cap_bytes,
        decompressed: false,
    };
    if metadata.len() > cap_bytes {
        return Err(too_large);
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let bytes = read_capped(file, cap_bytes).map_err(io)?;
    match bytes {
        Some(bytes) => Ok(strip_bom(bytes)),
        None => Err(too_large),
    }
}

/// As [`read_bounded`], as UTF-8 text.
pub fn read_bounded_text(path: &Path, kind: FileKind) -> Result<String, ReadError> {
    let bytes = read_bounded(path, kind)?;
    String::from_utf8(bytes).map_err(|_| ReadError::Io {
        kind,
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"),
    })
}

/// At most `cap_bytes` of `reader`; `None` if it holds more.
pub fn read_capped<R: Read>(reader: R, cap_bytes: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(cap_bytes + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= cap_bytes).then_some(bytes))
}

/// The zstd-compressed `bytes` decompressed, stopped at `kind`'s cap: a small file that inflates
/// to gigabytes is refused after reading one byte past the cap, not after filling memory.
pub fn decompress_zstd_bounded(bytes: &[u8], kind: FileKind) -> Result<Vec<u8>, String> {
    decompress_zstd_capped(bytes, kind, kind.cap_bytes())
}

fn decompress_zstd_capped(bytes: &[u8], kind: FileKind, cap_bytes: u64) -> Result<Vec<u8>, String> {
    let decoder = ruzstd::decoding::StreamingDecoder::new(bytes)
        .map_err(|e| format!("is not valid zstd: {e}"))?;
    match read_capped(decoder, cap_bytes) {
        Ok(Some(plain)) => Ok(strip_bom(plain)),
        Ok(None) => Err(ReadError::TooLarge {
            kind,
            cap_bytes,
            decompressed: true,
        }
        .to_string()),
        Err(e) => Err(format!("is not valid zstd: {e}")),
    }
}

/// Whether `bytes` start with zstd's magic number.
pub fn is_zstd(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x28, 0xB5, 0x2F, 0xFD])
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `bytes` without a leading UTF-8 byte-order mark.
fn strip_bom(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    bytes
}

/// `text` without a leading byte-order mark, for readers handed text rather than a path
/// (JSON parsers refuse it: "expected value at line 1 column 1").
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{FEFF}').unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_and_its_bom_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, b"\xEF\xBB\xBF[job]\n").unwrap();
        assert_eq!(
            read_bounded(&path, FileKind::Scenario).unwrap(),
            b"[job]\n".to_vec()
        );
    }

    #[test]
    fn a_file_past_its_cap_is_refused_naming_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        let file = std::fs::File::create(&path).unwrap();
        // Sparse: no disk used.
        file.set_len(FileKind::Scenario.cap_bytes() + 1).unwrap();
        let message = read_bounded(&path, FileKind::Scenario)
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "is larger than 16 MiB (16777216), the limit for a scenario file"
        );
    }

    #[cfg(unix)]
    #[test]
    fn devices_directories_and_fifos_are_refused_without_reading() {
        let message = read_bounded(Path::new("/dev/zero"), FileKind::Trace)
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "is a device, not a regular file: spotsim reads a trace file only from a regular file"
        );
        let dir = tempfile::tempdir().unwrap();
        let message = read_bounded(dir.path(), FileKind::Scenario)
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("is a directory, not a regular file"),
            "{message}"
        );
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Opening a FIFO with no writer would block: the type is checked first.
            let message = read_bounded(&fifo, FileKind::DataCsv)
                .unwrap_err()
                .to_string();
            assert!(
                message.starts_with("is a FIFO, not a regular file"),
                "{message}"
            );
        }
    }

    #[test]
    fn a_reader_is_cut_one_byte_past_the_cap() {
        assert_eq!(
            read_capped(&b"abcd"[..], 4).unwrap(),
            Some(b"abcd".to_vec())
        );
        assert_eq!(read_capped(std::io::repeat(0), 1000).unwrap(), None);
    }

    #[test]
    fn a_decompression_stops_at_the_cap() {
        // 64 bytes of zstd that inflate to 2 MiB, against a 1 MiB cap.
        let bomb = zstd_rle_frame(16);
        assert!(bomb.len() < 80);
        let message = decompress_zstd_capped(&bomb, FileKind::Price, MIB).unwrap_err();
        assert_eq!(
            message,
            "is larger than 1 MiB (1048576), the limit for a price file once decompressed"
        );
        let plain = decompress_zstd_capped(&zstd_rle_frame(8), FileKind::Price, MIB).unwrap();
        assert_eq!(plain, vec![b'x'; MIB as usize]);
        assert!(decompress_zstd_bounded(b"not zstd", FileKind::Price).is_err());
    }

    /// A zstd frame (RFC 8878) of `blocks` RLE blocks of 128 KiB of `x` each.
    fn zstd_rle_frame(blocks: u32) -> Vec<u8> {
        let mut frame = vec![0x28, 0xB5, 0x2F, 0xFD];
        // Frame header descriptor: no content size, no checksum; window 2^(10 + 7) = 128 KiB.
        frame.push(0);
        frame.push(7 << 3);
        for block in 0..blocks {
            let last = u32::from(block + 1 == blocks);
            // Block header: last flag, type RLE (1), size 128 KiB; then the repeated byte.
            let header = last | (1 << 1) | ((128 * 1024) << 3);
            frame.extend_from_slice(&header.to_le_bytes()[..3]);
            frame.push(b'x');
        }
        frame
    }

    #[test]
    fn a_bom_is_dropped_from_text() {
        assert_eq!(without_bom("\u{FEFF}{}"), "{}");
        assert_eq!(without_bom("{}"), "{}");
    }
}
