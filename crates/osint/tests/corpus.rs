//! The labelled corpora: the two issue fixtures and our own dev articles (tests/fixtures/), and
//! a held-out set (tests/heldout/) not used for tuning. Run with `--nocapture` to see the
//! precision/recall tables.

mod common;

use tearline_osint::stix::StixOptions;
use tearline_osint::{Correlator, Extractor, PointKind};

fn fixture_pair() -> Vec<common::Labelled> {
    common::load("tests/fixtures")
        .into_iter()
        .filter(|l| l.name.starts_with("00"))
        .collect()
}

#[test]
fn the_two_fixture_reports_form_one_cluster() {
    let set = fixture_pair();
    assert_eq!(set.len(), 2);
    let ex = Extractor::default();
    let mut corr = Correlator::new(&ex);
    let xs: Vec<_> = set.iter().map(|l| ex.extract(&l.article)).collect();
    let ids: Vec<_> = xs.iter().map(|x| corr.add(x)).collect();
    assert_eq!(ids[0], ids[1], "one cluster");
    let c = corr.cluster(ids[0]).unwrap();
    assert_eq!(
        c.outlets,
        vec!["Korean news agency (English translation)", "Shafaq News"]
    );
    assert_eq!(c.original_sources, vec!["The Washington Post"]);
    assert_eq!(
        c.independent_sources, 1,
        "two outlets retelling the Post are one source"
    );
    assert_eq!(c.event_type.as_deref(), Some("foiled-plot"));
    assert_eq!(
        c.place.as_ref().map(|p| p.0.as_str()),
        Some("sy-sayyida-zaynab-shrine")
    );
    assert_eq!(
        c.actors.iter().map(|a| a.0.as_str()).collect::<Vec<_>>(),
        vec!["islamic-state"]
    );
    assert_eq!(c.date.map(|d| d.to_string()).as_deref(), Some("2025-01-11"));
    // Damascus: the first report's place, refined by the second; the shrine is in Rif Dimashq, Syria.
    let damascus = c
        .points
        .iter()
        .find(|p| p.field == "place")
        .expect("place point");
    assert_eq!(damascus.kind, PointKind::Refinement);
    assert!(damascus.values[0].value.starts_with("Damascus"));
    let date = c
        .points
        .iter()
        .find(|p| p.field == "date")
        .expect("date point");
    assert_eq!(
        date.kind,
        PointKind::Refinement,
        "Jan 11 refines 'earlier this month'"
    );
    assert!(!c.points.iter().any(|p| p.kind == PointKind::Disagreement));
    let g = &ex.gazetteer;
    let shrine = g.index_of("sy-sayyida-zaynab-shrine").unwrap();
    assert!(g.encloses(g.index_of("syr").unwrap(), shrine));
    assert!(g.declared_near(shrine, g.index_of("sy-damascus").unwrap()));
    // Every fact keeps its sentence.
    let e0 = xs[0].event.as_ref().unwrap();
    assert!(
        xs[0]
            .sentence(e0.place.as_ref().unwrap().sentence)
            .contains("outskirts of Damascus")
    );
    assert!(e0.place.as_ref().unwrap().value.near);
    let e1 = xs[1].event.as_ref().unwrap();
    assert!(
        xs[1]
            .sentence(e1.date.as_ref().unwrap().sentence)
            .contains("January 11")
    );
    // "According to the Washington Post (WP) on the 24th": the 24th dates the Post's report.
    let d24 = xs[0].dates.iter().find(|d| d.text == "24th").unwrap();
    assert_eq!(d24.resolved.unwrap().to_string(), "2025-01-24");
    assert_eq!(d24.role, tearline_osint::temporal::DateRole::Report);
    // Last year's Moscow plot is a separate, earlier event.
    let other = &xs[0].other_events[0];
    assert_eq!(other.place.as_ref().unwrap().value.id, "ru-moscow");
    assert_eq!(
        other.date.as_ref().unwrap().value.to_string(),
        "2024-01-01/2024-12-31"
    );
}

#[test]
fn stix_output_is_valid() {
    let set = common::load("tests/fixtures");
    let ex = Extractor::default();
    let mut corr = Correlator::new(&ex);
    let opts = StixOptions::default();
    for l in &set {
        let x = ex.extract(&l.article);
        corr.add(&x);
        let objs = x.to_stix(&ex, &opts);
        assert_eq!(objs[0]["type"], "report");
        for o in &objs {
            let v = tearline_stix::validate::validate_object(o);
            assert!(
                v.errors.is_empty(),
                "{}: {} {:?}\n{}",
                l.name,
                o["type"],
                v.errors,
                serde_json::to_string_pretty(o).unwrap()
            );
            assert!(
                v.warnings.is_empty(),
                "{}: {} {:?}",
                l.name,
                o["type"],
                v.warnings
            );
        }
    }
    for c in corr.clusters() {
        let objs = c.to_stix(
            &ex,
            &opts,
            Some("incident--6f0e1e2a-5a3c-4d7b-9d2e-0c1b2a3d4e5f"),
        );
        assert_eq!(objs[0]["type"], "grouping");
        assert!(
            objs.iter()
                .any(|o| o["relationship_type"] == "corroborates")
        );
        for o in &objs {
            let v = tearline_stix::validate::validate_object(o);
            assert!(
                v.errors.is_empty() && v.warnings.is_empty(),
                "{} {:?} {:?}",
                o["type"],
                v.errors,
                v.warnings
            );
        }
    }
}

#[test]
fn dev_set_events_stay_apart_and_copies_count_once() {
    let set = common::load("tests/fixtures");
    let (scores, _xs, corr) = common::evaluate(&set);
    scores.print("dev set (tests/fixtures)");
    let zaynab = corr
        .clusters()
        .into_iter()
        .find(|c| {
            c.reports
                .iter()
                .any(|r| r.article_id == "004_895db01f0b5b4e0c")
        })
        .unwrap();
    let ids: Vec<&str> = zaynab
        .reports
        .iter()
        .map(|r| r.article_id.as_str())
        .collect();
    assert!(
        ids.contains(&"dev02_zaynab_syndicated") && ids.contains(&"dev01_zaynab_levant"),
        "{ids:?}"
    );
    assert!(
        !ids.iter()
            .any(|i| i.starts_with("dev03") || i.starts_with("dev04")),
        "other years stay apart: {ids:?}"
    );
    let copy = zaynab
        .reports
        .iter()
        .find(|r| r.article_id == "dev02_zaynab_syndicated")
        .unwrap();
    assert_eq!(copy.copy_of.as_deref(), Some("004_895db01f0b5b4e0c"));
    assert_eq!(zaynab.outlets.len(), 4);
    assert_eq!(
        zaynab.independent_outlets.len(),
        3,
        "the syndicated copy is not a new outlet"
    );
    assert_eq!(scores.clustering.precision(), 1.0);
    assert_eq!(scores.clustering.recall(), 1.0);
}

#[test]
fn counts_that_differ_are_disagreements() {
    let set: Vec<_> = common::load("tests/fixtures")
        .into_iter()
        .filter(|l| l.name.starts_with("dev05") || l.name.starts_with("dev06"))
        .collect();
    let (_, _, corr) = common::evaluate(&set);
    let cs = corr.clusters();
    assert_eq!(cs.len(), 1);
    assert!(
        cs[0]
            .points
            .iter()
            .any(|p| p.field == "count:killed" && p.kind == PointKind::Disagreement),
        "{:#?}",
        cs[0].points
    );
}

#[test]
fn a_planned_attack_proposes_a_case() {
    let set: Vec<_> = common::load("tests/fixtures")
        .into_iter()
        .filter(|l| l.name.starts_with("dev10"))
        .collect();
    let ex = Extractor::default();
    let x = ex.extract(&set[0].article);
    let case = x.proposes_case().expect("a case");
    assert_eq!(
        case.place.as_ref().map(|p| p.id.as_str()),
        Some("sy-aleppo")
    );
    assert_eq!(case.window.to_string(), "2025-04-14/2025-04-20");
    assert_eq!(case.actors[0].id, "islamic-state");
    assert_eq!(case.harm, "intentional-killing");
    assert!(case.target.contains("church"), "{}", case.target);
    // A foiled plot does not.
    let f = fixture_pair();
    assert!(ex.extract(&f[1].article).proposes_case().is_none());
}

#[test]
fn heldout_precision_and_recall() {
    let set = common::load("tests/heldout");
    assert!(set.len() >= 12);
    let (s, _, _) = common::evaluate(&set);
    s.print("held-out set (tests/heldout)");
    assert!(s.actors.precision() >= 0.7 && s.actors.recall() >= 0.7);
    assert!(s.places.precision() >= 0.7 && s.places.recall() >= 0.7);
    assert!(s.event_type.recall() >= 0.6);
    assert!(s.event_date.recall() >= 0.5);
    assert!(s.clustering.precision() >= 0.8 && s.clustering.recall() >= 0.6);
}
