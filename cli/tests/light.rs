//! The light-client page in a real browser: `svm serve` on loopback over
//! the demo's state, headless Chromium (driven over the DevTools protocol
//! by `light/browser.mjs` in Node.js) opens `/light`, which fetches a
//! token balance's proof from the node, verifies it with the WebAssembly
//! verifier against the node's head, shows the value `svm state variable`
//! reads, then flips a byte and shows the verifier's refusal. An absent
//! account is shown as absent. The screenshot stays in the target
//! directory (`tmp/light-page.png`). Needs Chromium and Node.js
//! (`apt-get install chromium nodejs`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

fn svm(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svm"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("svm runs")
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A server process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `svm serve` on a free port and its URL (from the line it logs).
fn serve(db: &str, dir: &Path) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_svm"))
        .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
        .current_dir(dir)
        .stderr(Stdio::piped())
        .spawn()
        .expect("svm serve runs");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("a log line").unwrap();
        if let Some(at) = line.find("http://") {
            break line[at..].trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
    (Server(child), url)
}

/// What the page showed for `query`, and where its screenshot is.
fn open(url: &str, query: &str, shot: &Path) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/light/browser.mjs");
    let out = Command::new("node")
        .arg(script)
        .arg("chromium")
        .arg(format!("{url}/light?{query}"))
        .arg(shot)
        .output()
        .unwrap_or_else(|e| panic!("running node (install Node.js and Chromium): {e}"));
    assert!(
        out.status.success(),
        "the browser run failed (is Chromium installed? `apt-get install chromium`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: Value = serde_json::from_slice(&out.stdout).expect("the page's state as JSON");
    println!("{query}: {shown}");
    assert_eq!(shown["done"], "yes", "the page never finished: {shown}");
    shown
}

#[test]
fn the_light_page_verifies_a_real_proof_and_refuses_a_spoiled_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo: Value =
        serde_json::from_str(&ok(&svm(&["demo", "--json", "--db", "db"], d))).unwrap();
    let token = demo["token"]["address"].as_str().unwrap().to_string();
    let variable: Value = serde_json::from_str(&ok(&svm(
        &["state", "variable", &token, "1", "--db", "db"],
        d,
    )))
    .unwrap();
    let expected = variable["value"].as_str().unwrap();
    let (_server, url) = serve("db", d);

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("light-page.png");
    let shown = open(&url, &format!("contract={token}&variable=1&auto=1"), &shot);
    assert_eq!(shown["state"], "verified", "{shown}");
    assert_eq!(shown["value"], expected);
    assert!(shown["size"].as_str().unwrap().ends_with("bytes (binary)"));
    let micros: f64 = shown["micros"].as_str().unwrap().parse().unwrap();
    assert!(micros > 0.0, "a verification takes some time: {shown}");
    assert_eq!(shown["spoiled"], "refused", "{shown}");
    assert!(
        shown["refusal"]
            .as_str()
            .unwrap()
            .starts_with("refused (byte "),
        "{shown}"
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a screenshot of the page"
    );
    println!("screenshot: {}", shot.display());

    // An account that does not exist is proven absent, not an error.
    let nobody = format!("0x{}", "99".repeat(20));
    let spare = Path::new(env!("CARGO_TARGET_TMPDIR")).join("light-page-absent.png");
    let shown = open(
        &url,
        &format!("contract={nobody}&variable=0&auto=1"),
        &spare,
    );
    assert_eq!(shown["state"], "verified", "{shown}");
    assert!(
        shown["value"].as_str().unwrap().starts_with("absent"),
        "{shown}"
    );
}
