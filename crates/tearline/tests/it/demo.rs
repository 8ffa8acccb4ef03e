//! `tearline demo` is a newcomer's first look and the end-to-end run of the three public
//! duty-to-warn cases: it must succeed from the bare binary, and what it prints comes from the
//! stored cases (each step is checked here against the timeline lines).

use std::process::Command;

#[test]
fn the_demo_runs_the_three_cases_end_to_end() {
    let out = Command::new(env!("CARGO_BIN_EXE_tearline")).arg("demo").output().expect("run tearline demo");
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{text}\n{err}");
    let after = |heading: &str| text.split(heading).nth(1).unwrap_or_else(|| panic!("no section '{heading}' in:\n{text}")).to_owned();
    let sayyida = after("== 1. Sayyida Zaynab");
    let crocus = after("== 2. Crocus City Hall");
    let kerman = after("== 3. Kerman");
    let sayyida = sayyida.split("== 2.").next().unwrap();
    let crocus = crocus.split("== 3.").next().unwrap();

    // 1: raised from the ingested intelligence, warned, substance kept and sources cut,
    // acknowledged, foiled; every step on the timeline with its time.
    for step in ["case opened", "decided: warn", "published report--", "retrieved by syria-gsd", "acknowledged by syria-gsd", "outcome from syria-gsd: foiled", "final stage: outcome-reported"] {
        assert!(sayyida.contains(step), "Sayyida Zaynab lacks '{step}':\n{sayyida}");
    }
    assert!(sayyida.contains("none of the intercept wording, selectors or collection times"), "{sayyida}");
    assert!(sayyida.lines().filter(|l| l.contains(" UTC  ")).count() >= 5, "timeline lines carry times:\n{sayyida}");

    // 2: hostile recipient with the no-endorsement statement, public advisory, review opened
    // by the disagreement, attack occurred.
    for step in ["public advisory draft (TLP:CLEAR)", "no-endorsement statement: yes", "opinion on report--", "review of the release opened: russia-fsb said disagree", "attack-occurred"] {
        assert!(crocus.contains(step), "Crocus lacks '{step}':\n{crocus}");
    }

    // 3: the ungrounded waiver refused, the warning pushed to the recipient's own server and
    // readable there, no acknowledgement: escalated out of band.
    for step in ["refused (422)", "taxii-push:http://127.0.0.1:", "reads the warning: 1 object(s)", "acknowledge deadline missed", "escalated to an out-of-band channel", "final stage: no-ack-out-of-band"] {
        assert!(kerman.contains(step), "Kerman lacks '{step}':\n{kerman}");
    }
    assert!(text.contains("the hash chain holds"), "{text}");
}
