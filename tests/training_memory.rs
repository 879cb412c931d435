//! Memory stays bounded across many training starts: each start builds a model, and the
//! autodiff graph its first forward pass made was never freed (about 30 KB a start; the
//! checkpoint fuzzer ran out of 2 GB). Its own file, so no other test allocates meanwhile.
#![allow(clippy::unwrap_used)] // a test may unwrap: a failure is the test failing

mod common;

use lstmuse::model::backend::BackendChoice;
use lstmuse::model::{TrainOptions, train};
use std::sync::atomic::AtomicBool;

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn many_refused_resumes_do_not_grow_memory() {
    let (data, config) = common::tiny_training();
    let dir = tempfile::tempdir().unwrap();
    let mut options = TrainOptions::new(dir.path(), BackendChoice::Cpu).unwrap();
    options.resume = true;
    // A truncated checkpoint.json: every start builds the model, then refuses to resume.
    std::fs::write(dir.path().join("checkpoint.json"), b"{").unwrap();
    let start = |n| {
        for _ in 0..n {
            let refused = train(
                &config,
                &data,
                &options,
                &mut |_| {},
                &AtomicBool::new(false),
            );
            assert!(refused.is_err());
        }
    };
    start(500);
    let before = resident_kib();
    start(2_000);
    let grown = resident_kib().saturating_sub(before);
    // 2,000 starts grew it by about 60 MB before the fix; allocator noise is well under 8 MB.
    assert!(
        grown < 8 * 1024,
        "2,000 training starts grew memory by {grown} KiB"
    );
}
