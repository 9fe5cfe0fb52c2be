//! What the emulators keep across restarts, and the local session key: JSON files in the local
//! data directory, readable by their owner only (they hold keys, secrets and password hashes).

use std::{
    io,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
};

use serde::{Serialize, de::DeserializeOwned};
use tokio::io::AsyncWriteExt;

/// Reads `path`, or returns `T::default()` when the file does not exist yet.
pub async fn load<T: DeserializeOwned + Default>(path: &Path) -> io::Result<T> {
    match tokio::fs::read(path).await {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not valid: {error}", path.display()),
            )
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(T::default()),
        Err(error) => Err(error),
    }
}

/// Writes `value` to `path` atomically: a crash leaves the old file or the new one, never half.
/// New folders are `0700` and the file `0600`.
pub async fn save<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        tokio::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .await?;
    }
    let bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    write_private(path, &bytes).await
}

/// Writes `bytes` to `path` atomically, readable by its owner only (`0600`), in a folder that
/// exists already.
pub async fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temporary = temporary_path(path);
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .await?;
    // An existing file keeps its mode: make sure an older, wider one is narrowed.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .await?;
    file.write_all(bytes).await?;
    file.flush().await?;
    tokio::fs::rename(&temporary, path).await
}

/// Reads `path`, or creates it with `create()` the first time.
pub async fn load_or_create<T, F>(path: &Path, create: F) -> io::Result<T>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> io::Result<T>,
{
    match tokio::fs::read(path).await {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not valid: {error}", path.display()),
            )
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let value = create()?;
            save(path, &value).await?;
            Ok(value)
        }
        Err(error) => Err(error),
    }
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "account-security-storage-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[tokio::test]
    async fn a_missing_file_is_the_default_and_a_saved_one_reads_back() {
        let dir = scratch_dir("roundtrip");
        let path = dir.join("nested/state.json");
        let empty: BTreeMap<String, u32> = load(&path).await.unwrap();
        assert!(empty.is_empty());
        let state = BTreeMap::from([("a".to_owned(), 1)]);
        save(&path, &state).await.unwrap();
        assert_eq!(load::<BTreeMap<String, u32>>(&path).await.unwrap(), state);
        assert!(!temporary_path(&path).exists());
    }

    #[tokio::test]
    async fn files_and_new_folders_are_the_owners_only() {
        let dir = scratch_dir("modes");
        let path = dir.join("nested/key.json");
        save(&path, &"secret").await.unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        save(&path, &"rotated").await.unwrap();
        assert_eq!(mode(&path), 0o600, "a rewrite narrows a wider file");
    }

    #[tokio::test]
    async fn created_values_are_kept_for_the_next_start() {
        let dir = scratch_dir("create");
        let path = dir.join("key.json");
        let first: String = load_or_create(&path, || Ok("first".to_owned()))
            .await
            .unwrap();
        let second: String = load_or_create(&path, || Ok("second".to_owned()))
            .await
            .unwrap();
        assert_eq!((first.as_str(), second.as_str()), ("first", "first"));
    }

    #[tokio::test]
    async fn a_corrupt_file_is_an_error_not_a_silent_reset() {
        let dir = scratch_dir("corrupt");
        let path = dir.join("state.json");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, b"{not json").unwrap();
        let error = load::<BTreeMap<String, u32>>(&path).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }
}
