//! `ObjectStore` in a directory (the embedded stand-in for the S3 bucket): one file per key,
//! written to a temporary file and renamed, so a reader never sees half an object.

use async_trait::async_trait;
use drop_services::objects::{ObjectError, ObjectStore};
use std::path::{Path, PathBuf};

pub struct DirObjects {
    root: PathBuf,
    /// What the least-privilege record calls this store (the bucket's local name).
    name: String,
}

impl DirObjects {
    pub fn new(root: &Path, name: &str) -> Self {
        DirObjects { root: root.to_owned(), name: name.to_owned() }
    }

    /// Keys are `/`-separated names of letters, digits, `.`, `_` and `-`; nothing climbs out.
    fn path(&self, key: &str) -> Result<PathBuf, ObjectError> {
        let ok = |part: &str| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        };
        if !key.split('/').all(ok) {
            return Err(ObjectError::Unavailable(format!("not a key this store takes: {key}")));
        }
        Ok(self.root.join(key))
    }
}

fn io(e: std::io::Error) -> ObjectError {
    ObjectError::Unavailable(e.to_string())
}

#[async_trait]
impl ObjectStore for DirObjects {
    fn kind(&self) -> &'static str {
        "directory"
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        drop_services::aws_calls::record("s3:GetObject", &format!("{}/{key}", self.name));
        match tokio::fs::read(self.path(key)?).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), ObjectError> {
        drop_services::aws_calls::record("s3:PutObject", &format!("{}/{key}", self.name));
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(io)?;
        }
        let tmp = path.with_extension(format!("tmp-{}", ulid::Ulid::new()));
        tokio::fs::write(&tmp, bytes).await.map_err(io)?;
        tokio::fs::rename(&tmp, &path).await.map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_reads_and_refuses_keys_that_climb_out() {
        let dir = std::env::temp_dir().join(format!("drop-objects-{}", ulid::Ulid::new()));
        let s = DirObjects::new(&dir, "bucket");
        assert_eq!(s.get("screening/current.json").await.unwrap(), None);
        s.put("screening/current.json", b"{}".to_vec(), "application/json").await.unwrap();
        assert_eq!(s.get("screening/current.json").await.unwrap(), Some(b"{}".to_vec()));
        for bad in ["../x", "a//b", "/etc/passwd", "a/../../b", "a b"] {
            assert!(s.put(bad, vec![], "x").await.is_err(), "{bad}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
