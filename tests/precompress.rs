//! `scripts/precompress.sh`, which `make build` runs: a gzip copy beside
//! every file of the site, each decoding to exactly its file.

use std::{io::Read, path::Path, process::Command};

fn run(site: &Path) -> std::process::Output {
    Command::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/precompress.sh"
    ))
    .arg(site)
    .output()
    .expect("the script runs")
}

#[test]
fn every_file_gets_a_gzip_copy_that_decodes_to_it() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let wasm: Vec<u8> = (0..50_000u32)
        .map(|i| u8::try_from(i * 7 % 251).expect("under 251"))
        .collect();
    std::fs::write(pkg.join("app.wasm"), &wasm).unwrap();
    std::fs::write(site.path().join("favicon.svg"), "<svg></svg>").unwrap();
    // A stale copy from an earlier build is replaced; brotli copies are left.
    std::fs::write(pkg.join("app.wasm.gz"), b"stale").unwrap();
    std::fs::write(pkg.join("app.wasm.br"), b"brotli").unwrap();

    let output = run(site.path());
    assert!(output.status.success(), "{output:?}");

    for (file, original) in [
        (pkg.join("app.wasm"), wasm.clone()),
        (site.path().join("favicon.svg"), b"<svg></svg>".to_vec()),
    ] {
        let copy = std::fs::read(file.with_extension(format!(
            "{}.gz",
            file.extension().unwrap().to_str().unwrap()
        )))
        .unwrap();
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(copy.as_slice())
            .read_to_end(&mut decoded)
            .expect("a gzip stream");
        assert_eq!(decoded, original, "{}", file.display());
    }
    assert_eq!(std::fs::read(pkg.join("app.wasm.br")).unwrap(), b"brotli");
    assert!(!pkg.join("app.wasm.br.gz").exists());
    assert!(!pkg.join("app.wasm.gz.gz").exists());
}

#[test]
fn a_missing_site_is_an_error_that_says_what_to_do() {
    let output = run(Path::new("/nonexistent/site"));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("make build"));
}
