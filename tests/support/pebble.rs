//! Pebble, Let's Encrypt's ACME test server (Debian's `pebble` package), on
//! loopback: its directory served with the test certificate (`localhost`),
//! its challenge DNS (`pebble-challtestsrv`) answering 127.0.0.1 for every
//! name, and its TLS-ALPN-01 checks sent to the port Dispatch will listen
//! on. Nothing leaves the machine.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// The test certificate pebble serves its directory with.
pub fn directory_ca() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls/cert.pem")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Whether Debian's pebble is installed (`make test` installs it).
pub fn installed() -> bool {
    Command::new("pebble").arg("-h").output().is_ok()
}

pub struct Pebble {
    pebble: Child,
    dns: Child,
    port: u16,
    management: u16,
    log: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Pebble {
    /// Starts pebble and its DNS; challenges go to `validation_port`, and
    /// certificates live `validity` (pebble's default is five years).
    pub fn start(validation_port: u16, validity: Option<Duration>) -> Pebble {
        let dir = tempfile::tempdir().expect("temp dir");
        let (port, management, dns_port) = (free_port(), free_port(), free_port());
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
        let mut config = serde_json::json!({
            "pebble": {
                "listenAddress": format!("127.0.0.1:{port}"),
                "managementListenAddress": format!("127.0.0.1:{management}"),
                "certificate": fixtures.join("cert.pem"),
                "privateKey": fixtures.join("key.pem"),
                "httpPort": free_port(),
                "tlsPort": validation_port,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false,
            }
        });
        if let Some(validity) = validity {
            config["pebble"]["certificateValidityPeriod"] = validity.as_secs().into();
        }
        let config_path = dir.path().join("pebble.json");
        std::fs::write(&config_path, config.to_string()).expect("pebble config");

        let disabled = "";
        let dns = Command::new("pebble-challtestsrv")
            .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", disabled])
            .args(["-dns01", &format!("127.0.0.1:{dns_port}")])
            .args(["-management", &format!("127.0.0.1:{}", free_port())])
            .args([
                "-http01",
                disabled,
                "-https01",
                disabled,
                "-tlsalpn01",
                disabled,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pebble-challtestsrv starts (apt-get install pebble)");
        let mut pebble = Command::new("pebble")
            .arg("-config")
            .arg(&config_path)
            .args(["-dnsserver", &format!("127.0.0.1:{dns_port}")])
            // No random waits before a check, no nonces refused at random:
            // the tests wait for what happens, not for dice.
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pebble starts (apt-get install pebble)");
        let log = Arc::new(Mutex::new(Vec::new()));
        let streams: [Box<dyn std::io::Read + Send>; 2] = [
            Box::new(pebble.stdout.take().expect("stdout")),
            Box::new(pebble.stderr.take().expect("stderr")),
        ];
        for stream in streams {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    log.lock().expect("log").push(line);
                }
            });
        }
        let pebble = Pebble {
            pebble,
            dns,
            port,
            management,
            log,
            _dir: dir,
        };
        pebble.wait_for_log("ACME directory available", Duration::from_secs(20));
        pebble
    }

    /// The directory URL Dispatch is given.
    pub fn directory(&self) -> String {
        format!("https://localhost:{}/dir", self.port)
    }

    /// Pebble's root certificate (made anew at each start), as PEM.
    pub async fn root(&self) -> String {
        let answer = super::https::exchange(
            super::https::tls_stream(self.management).await,
            "GET",
            "/roots/0",
            &[],
            "",
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body
    }

    /// Pebble's log lines containing `needle`.
    pub fn count(&self, needle: &str) -> usize {
        let log = self.log.lock().expect("log");
        log.iter().filter(|line| line.contains(needle)).count()
    }

    pub fn wait_for_log(&self, needle: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while self.count(needle) == 0 {
            assert!(
                Instant::now() < deadline,
                "pebble never said {needle:?}; its log:\n{}",
                self.log.lock().expect("log").join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        for child in [&mut self.pebble, &mut self.dns] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
