//! `manifest.json` of the model folder (written by `scripts/models/manifest.py`):
//! which files to load, their sha256 (checked here) and the model version.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use shared::domain::ModelVersion;
use shared::schema::ModelRef;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

const HINT: &str = "run `just models` (scripts/models/build.sh) and `source scripts/models/env.sh`";

/// Where a model's weights came from.
#[derive(Debug, Clone, Deserialize)]
pub struct ModelSource {
    /// Registry package.
    pub package: String,
    /// Its version.
    pub version: String,
}

/// One model file.
#[derive(Debug, Clone, Deserialize)]
pub struct ModelEntry {
    /// Model name, e.g. `ssd_mobilenet_v2_coco`.
    pub name: String,
    /// File name inside the model folder.
    pub file: String,
    /// Expected sha256 of that file.
    pub sha256: String,
    /// Provenance.
    pub source: ModelSource,
}

impl ModelEntry {
    /// The provenance block of the feature document.
    pub fn to_ref(&self) -> ModelRef {
        ModelRef {
            name: self.name.clone(),
            package: self.source.package.clone(),
            package_version: self.source.version.clone(),
            sha256: self.sha256.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct RawManifest {
    model_version: String,
    detector: ModelEntry,
    embedder: ModelEntry,
}

/// A checked manifest: the version parses and both files match their hashes.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Combined version of both models.
    pub version: ModelVersion,
    /// The detector.
    pub detector: ModelEntry,
    /// The embedder.
    pub embedder: ModelEntry,
    /// Absolute path of the detector file.
    pub detector_path: PathBuf,
    /// Absolute path of the embedder file.
    pub embedder_path: PathBuf,
}

impl Manifest {
    /// Reads `<dir>/manifest.json` and verifies both model files; every failure is [`Error::Config`].
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::config(format!("cannot read {}: {e}; {HINT}", path.display())))?;
        let raw: RawManifest = serde_json::from_str(&text)
            .map_err(|e| Error::config(format!("{} is not a model manifest: {e}", path.display())))?;
        let version = ModelVersion::parse(&raw.model_version)
            .map_err(|e| Error::config(format!("{}: bad model_version: {e}", path.display())))?;
        let detector_path = dir.join(&raw.detector.file);
        let embedder_path = dir.join(&raw.embedder.file);
        verify(&detector_path, &raw.detector.sha256)?;
        verify(&embedder_path, &raw.embedder.sha256)?;
        Ok(Self { version, detector: raw.detector, embedder: raw.embedder, detector_path, embedder_path })
    }
}

fn verify(path: &Path, want: &str) -> Result<()> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::config(format!("cannot open model {}: {e}; {HINT}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::config(format!("cannot read {}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let got = format!("{:x}", hasher.finalize());
    if got != want {
        return Err(Error::config(format!(
            "{} has sha256 {got} but the manifest expects {want}: the model changed after the manifest was written; {HINT}",
            path.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_models(dir: &Path, detector_sha: &str) {
        std::fs::write(dir.join("d.onnx"), b"det").unwrap();
        std::fs::write(dir.join("e.onnx"), b"emb").unwrap();
        let entry = |file: &str, sha: &str| serde_json::json!({"name": "m", "file": file, "sha256": sha, "source": {"package": "p", "version": "1"}});
        let manifest = serde_json::json!({
            "model_version": "det@1+emb@1",
            "detector": entry("d.onnx", detector_sha),
            "embedder": entry("e.onnx", &format!("{:x}", Sha256::digest(b"emb"))),
        });
        std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    }

    #[test]
    fn a_manifest_whose_hashes_match_loads_with_its_version() {
        let dir = tempfile::tempdir().unwrap();
        write_models(dir.path(), &format!("{:x}", Sha256::digest(b"det")));
        let m = Manifest::load(dir.path()).unwrap();
        assert_eq!(m.version.as_str(), "det@1+emb@1");
        assert_eq!(m.detector.to_ref().package_version, "1");
    }

    #[test]
    fn a_changed_model_file_is_a_config_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        write_models(dir.path(), &"0".repeat(64));
        let err = Manifest::load(dir.path()).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
        assert!(err.to_string().contains("d.onnx has sha256"), "{err}");
    }

    #[test]
    fn a_missing_model_folder_tells_to_run_just_models() {
        let err = Manifest::load(Path::new("/nonexistent/models")).unwrap_err();
        assert!(err.to_string().contains("just models"), "{err}");
        assert_eq!(err.exit_code(), shared::launcher::exit_codes::CONFIG);
    }
}
