//! The probe image as a `docker save` archive, built byte for byte the same
//! every time.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{probe_image_tag, PROBE_BINARY, PROBE_VERSION};

/// The creation time written into the image: the epoch, so that it does not
/// depend on when the archive was built.
const CREATED: &str = "1970-01-01T00:00:00Z";

/// `/etc/passwd` of the image.
const PASSWD: &str = "root:x:0:0:root:/root:/probe\n\
                      nobody:x:65534:65534:nobody:/nonexistent:/probe\n\
                      probe:x:1000:1000:probe:/tmp:/probe\n";

/// `/etc/group` of the image.
const GROUP: &str = "root:x:0:\nnogroup:x:65534:\nprobe:x:1000:\n";

/// A Docker image archive in the `docker save` format, which
/// `POST /images/load` accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct ImageArchive {
    /// The archive: an uncompressed tar.
    pub bytes: Vec<u8>,
    /// The image id: `sha256:` and the SHA-256 of the image config, in hex.
    pub image_id: String,
    /// The layer's diff id: `sha256:` and the SHA-256 of the (uncompressed)
    /// layer tar, in hex.
    pub layer_diff_id: String,
    /// The tag the archive gives the image (see [`probe_image_tag`]).
    pub tag: String,
}

impl fmt::Debug for ImageArchive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageArchive")
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("image_id", &self.image_id)
            .field("layer_diff_id", &self.layer_diff_id)
            .field("tag", &self.tag)
            .finish()
    }
}

/// The probe image archive: a single layer holding `/probe` (the static
/// [`PROBE_BINARY`]), `/etc/passwd`, `/etc/group` and a sticky `/tmp`, with
/// `/probe` as the entrypoint, tagged [`probe_image_tag`].
///
/// Every timestamp is the epoch, every owner root, every order fixed: the
/// bytes, and so the image id, depend only on the probe binary and the
/// crate version. Built once per process, then cloned.
pub fn probe_image_archive() -> ImageArchive {
    static ARCHIVE: OnceLock<ImageArchive> = OnceLock::new();
    ARCHIVE.get_or_init(build_archive).clone()
}

fn build_archive() -> ImageArchive {
    let layer = layer_tar();
    let diff_hex = sha256_hex(&layer);
    let config = config_json(&format!("sha256:{diff_hex}"));
    let config_hex = sha256_hex(&config);
    let tag = probe_image_tag();

    let config_name = format!("{config_hex}.json");
    let layer_name = format!("{diff_hex}/layer.tar");
    let manifest = serde_json::to_vec(&[ManifestEntry {
        config: &config_name,
        repo_tags: vec![&tag],
        layers: vec![&layer_name],
    }])
    .expect("the manifest serializes");

    let mut archive = TarWriter::new();
    archive.file(&layer_name, 0o644, &layer);
    archive.file(&config_name, 0o644, &config);
    archive.file("manifest.json", 0o644, &manifest);

    ImageArchive {
        bytes: archive.finish(),
        image_id: format!("sha256:{config_hex}"),
        layer_diff_id: format!("sha256:{diff_hex}"),
        tag,
    }
}

/// The image's only layer, an uncompressed tar.
fn layer_tar() -> Vec<u8> {
    let mut layer = TarWriter::new();
    layer.dir("etc/", 0o755);
    layer.dir("tmp/", 0o1777);
    layer.file("probe", 0o755, PROBE_BINARY);
    layer.file("etc/passwd", 0o644, PASSWD.as_bytes());
    layer.file("etc/group", 0o644, GROUP.as_bytes());
    layer.finish()
}

/// The Docker architecture name of the target the probe was built for.
fn architecture() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        "powerpc64" => "ppc64le",
        "riscv64" => "riscv64",
        "s390x" => "s390x",
        other => other,
    }
}

// The image config and the manifest are serialized from structs, whose key
// order is their field order, and never from `serde_json::Value`, whose key
// order depends on whether some crate in the build enables serde_json's
// `preserve_order` feature.

#[derive(Serialize)]
struct ImageConfig<'a> {
    architecture: &'a str,
    os: &'a str,
    created: &'a str,
    config: ContainerConfig<'a>,
    rootfs: RootFs<'a>,
    history: [History<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ContainerConfig<'a> {
    entrypoint: [&'a str; 1],
    working_dir: &'a str,
    env: [&'a str; 1],
    labels: BTreeMap<&'a str, &'a str>,
    stop_signal: &'a str,
}

#[derive(Serialize)]
struct RootFs<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    diff_ids: [&'a str; 1],
}

#[derive(Serialize)]
struct History<'a> {
    created: &'a str,
    created_by: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ManifestEntry<'a> {
    config: &'a str,
    repo_tags: Vec<&'a str>,
    layers: Vec<&'a str>,
}

fn config_json(diff_id: &str) -> Vec<u8> {
    let created_by = format!("dockhand probe {PROBE_VERSION}");
    let config = ImageConfig {
        architecture: architecture(),
        os: "linux",
        created: CREATED,
        config: ContainerConfig {
            entrypoint: ["/probe"],
            working_dir: "/",
            env: ["PATH=/"],
            labels: BTreeMap::from([("dockhand.probe.version", PROBE_VERSION)]),
            stop_signal: "SIGTERM",
        },
        rootfs: RootFs {
            kind: "layers",
            diff_ids: [diff_id],
        },
        history: [History {
            created: CREATED,
            created_by: &created_by,
        }],
    };
    serde_json::to_vec(&config).expect("the image config serializes")
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Writes a tar in memory with ustar headers only: mtime 0, owner 0:0,
/// empty owner names, names stored verbatim (directories keep their `/`).
struct TarWriter {
    builder: tar::Builder<Vec<u8>>,
}

impl TarWriter {
    fn new() -> Self {
        TarWriter {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    fn dir(&mut self, name: &str, mode: u32) {
        self.append(name, tar::EntryType::Directory, mode, &[]);
    }

    fn file(&mut self, name: &str, mode: u32, data: &[u8]) {
        self.append(name, tar::EntryType::Regular, mode, data);
    }

    fn append(&mut self, name: &str, kind: tar::EntryType, mode: u32, data: &[u8]) {
        let mut header = tar::Header::new_ustar();
        let ustar = header.as_ustar_mut().expect("a ustar header");
        assert!(
            name.len() < ustar.name.len(),
            "tar entry name too long for ustar: {name}"
        );
        ustar.name[..name.len()].copy_from_slice(name.as_bytes());
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_size(data.len() as u64);
        header
            .set_device_major(0)
            .and_then(|()| header.set_device_minor(0))
            .expect("ustar headers have device numbers");
        header.set_cksum();
        self.builder
            .append(&header, data)
            .expect("writing to memory cannot fail");
    }

    fn finish(self) -> Vec<u8> {
        self.builder.into_inner().expect("writing to memory cannot fail")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Every entry of a tar: name, header, data.
    fn entries(tar_bytes: &[u8]) -> Vec<(String, tar::Header, Vec<u8>)> {
        let mut archive = tar::Archive::new(tar_bytes);
        archive
            .entries()
            .unwrap()
            .map(|entry| {
                let mut entry = entry.unwrap();
                let name = String::from_utf8(entry.path_bytes().into_owned()).unwrap();
                let header = entry.header().clone();
                let mut data = Vec::new();
                entry.read_to_end(&mut data).unwrap();
                (name, header, data)
            })
            .collect()
    }

    fn find<'a>(entries: &'a [(String, tar::Header, Vec<u8>)], name: &str) -> &'a [u8] {
        &entries
            .iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("no entry {name}"))
            .2
    }

    #[test]
    fn archive_is_byte_identical_across_builds() {
        let first = build_archive();
        let second = build_archive();
        assert!(first == second, "two builds differ");
        assert!(probe_image_archive() == first, "the cached archive differs");
    }

    #[test]
    fn image_id_is_the_config_digest_and_manifest_names_the_files() {
        let archive = probe_image_archive();
        let entries = entries(&archive.bytes);
        let names: Vec<&str> = entries.iter().map(|(n, _, _)| n.as_str()).collect();
        let config_hex = archive.image_id.strip_prefix("sha256:").unwrap();
        let diff_hex = archive.layer_diff_id.strip_prefix("sha256:").unwrap();
        let config_name = format!("{config_hex}.json");
        let layer_name = format!("{diff_hex}/layer.tar");
        assert_eq!(names, [layer_name.as_str(), &config_name, "manifest.json"]);

        let config = find(&entries, &config_name);
        assert_eq!(sha256_hex(config), config_hex);

        let manifest: serde_json::Value = serde_json::from_slice(find(&entries, "manifest.json")).unwrap();
        assert_eq!(
            manifest,
            serde_json::json!([{
                "Config": config_name,
                "RepoTags": [format!("dockhand/probe:{PROBE_VERSION}")],
                "Layers": [layer_name],
            }])
        );
        assert_eq!(archive.tag, format!("dockhand/probe:{PROBE_VERSION}"));
    }

    #[test]
    fn layer_diff_id_matches_the_layer_and_the_config() {
        let archive = probe_image_archive();
        let entries = entries(&archive.bytes);
        let diff_hex = archive.layer_diff_id.strip_prefix("sha256:").unwrap();
        let layer = find(&entries, &format!("{diff_hex}/layer.tar"));
        assert_eq!(sha256_hex(layer), diff_hex);

        let config_name = format!("{}.json", archive.image_id.strip_prefix("sha256:").unwrap());
        let config: serde_json::Value = serde_json::from_slice(find(&entries, &config_name)).unwrap();
        assert_eq!(
            config["rootfs"],
            serde_json::json!({"type": "layers", "diff_ids": [archive.layer_diff_id]})
        );
    }

    #[test]
    fn config_has_the_expected_content_and_key_order() {
        let config = String::from_utf8(config_json("sha256:ab")).unwrap();
        let expected = format!(
            concat!(
                r#"{{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","#,
                r#""config":{{"Entrypoint":["/probe"],"WorkingDir":"/","Env":["PATH=/"],"#,
                r#""Labels":{{"dockhand.probe.version":"{v}"}},"StopSignal":"SIGTERM"}},"#,
                r#""rootfs":{{"type":"layers","diff_ids":["sha256:ab"]}},"#,
                r#""history":[{{"created":"1970-01-01T00:00:00Z","created_by":"dockhand probe {v}"}}]}}"#
            ),
            v = PROBE_VERSION
        );
        if cfg!(target_arch = "x86_64") {
            assert_eq!(config, expected);
        }
    }

    #[test]
    fn layer_holds_the_expected_files() {
        let layer = layer_tar();
        let entries = entries(&layer);
        let summary: Vec<(&str, tar::EntryType, u32)> = entries
            .iter()
            .map(|(n, h, _)| (n.as_str(), h.entry_type(), h.mode().unwrap()))
            .collect();
        use tar::EntryType::{Directory, Regular};
        assert_eq!(
            summary,
            [
                ("etc/", Directory, 0o755),
                ("tmp/", Directory, 0o1777),
                ("probe", Regular, 0o755),
                ("etc/passwd", Regular, 0o644),
                ("etc/group", Regular, 0o644),
            ]
        );
        assert_eq!(find(&entries, "probe"), PROBE_BINARY);
        let passwd = String::from_utf8(find(&entries, "etc/passwd").to_vec()).unwrap();
        assert_eq!(
            passwd.lines().collect::<Vec<_>>(),
            [
                "root:x:0:0:root:/root:/probe",
                "nobody:x:65534:65534:nobody:/nonexistent:/probe",
                "probe:x:1000:1000:probe:/tmp:/probe",
            ]
        );
        assert_eq!(
            find(&entries, "etc/group"),
            b"root:x:0:\nnogroup:x:65534:\nprobe:x:1000:\n"
        );
    }

    #[test]
    fn every_entry_has_epoch_mtime_and_root_owner() {
        let archive = probe_image_archive();
        let outer = entries(&archive.bytes);
        let diff_hex = archive.layer_diff_id.strip_prefix("sha256:").unwrap();
        let inner = entries(find(&outer, &format!("{diff_hex}/layer.tar")));
        for (name, header, data) in outer.iter().chain(&inner) {
            assert_eq!(header.mtime().unwrap(), 0, "{name}");
            assert_eq!(header.uid().unwrap(), 0, "{name}");
            assert_eq!(header.gid().unwrap(), 0, "{name}");
            assert_eq!(header.username_bytes(), Some(&[][..]), "{name}");
            assert_eq!(header.groupname_bytes(), Some(&[][..]), "{name}");
            assert!(header.as_ustar().is_some(), "{name}: not ustar");
            assert_eq!(header.size().unwrap(), data.len() as u64, "{name}");
        }
    }

    #[test]
    fn embedded_binary_is_a_static_elf() {
        let elf = PROBE_BINARY;
        assert_eq!(&elf[..4], b"\x7fELF", "ELF magic");
        assert_eq!(elf[4], 2, "64-bit");
        assert_eq!(elf[5], 1, "little-endian");
        let u16_at = |at: usize| u16::from_le_bytes(elf[at..at + 2].try_into().unwrap());
        let u32_at = |at: usize| u32::from_le_bytes(elf[at..at + 4].try_into().unwrap());
        let u64_at = |at: usize| u64::from_le_bytes(elf[at..at + 8].try_into().unwrap());
        assert!(matches!(u16_at(16), 2 | 3), "e_type: ET_EXEC or ET_DYN");
        let phoff = u64_at(0x20) as usize;
        let phentsize = usize::from(u16_at(0x36));
        let phnum = usize::from(u16_at(0x38));
        assert!(phnum > 0 && phentsize >= 56);
        let types: Vec<u32> = (0..phnum).map(|i| u32_at(phoff + i * phentsize)).collect();
        const PT_LOAD: u32 = 1;
        const PT_INTERP: u32 = 3;
        assert!(types.contains(&PT_LOAD), "no PT_LOAD in {types:?}");
        assert!(!types.contains(&PT_INTERP), "PT_INTERP present: dynamically linked");
    }
}
