//! Proposed cases from open-source text (articles extracted by `tearline-osint`).

use tearline_osint::{Extraction, Gazetteer};

use crate::attributes::{Specifics, ThreatAttributes, Victim, VictimKind};
use crate::case::NewCase;
use crate::profile::Profile;
use crate::{MICROS_PER_DAY, Micros};

/// A *proposed* case when the article's main event is a planned attack with a target (or
/// place) and a time window that has not passed at publication; otherwise `None`.
///
/// What the text gives is filled in: harm (from the event vocabulary), victim (the place,
/// with its country from the gazetteer, or the target as a group), who / what / where / when,
/// the window (whole days), recipients (from the jurisdiction map, by [`crate::Case::create`]).
/// `credible` is left **false**: an article reporting a plot is not by itself credible
/// information; an analyst assesses it (`Event::AttributesEdited`) before confirming.
/// Urgency: the profile's most urgent level when the window starts within a day of
/// publication, the second within a week, the least urgent otherwise.
pub fn propose_from_extraction(x: &Extraction, gazetteer: &Gazetteer, profile: &Profile) -> Option<NewCase> {
    let pc = x.proposes_case()?;
    let event = x.event.as_ref()?;
    let start = day_micros(pc.window.start.0);
    let end = day_micros(pc.window.end.0) + MICROS_PER_DAY;
    let victim = match &pc.place {
        Some(p) => {
            let country = gazetteer.index_of(&p.id).and_then(|i| gazetteer.country_code(i)).map(str::to_owned);
            // The target as written when the text names one (a hall, a shrine), else the place.
            let name = if pc.target.trim().is_empty() { p.name.clone() } else { pc.target.clone() };
            Victim { kind: VictimKind::Place, name, country, area: None, designations: Vec::new() }
        }
        None => Victim { kind: VictimKind::Group, name: pc.target.clone(), country: None, area: None, designations: Vec::new() },
    };
    let window = crate::human_window(Some(start), Some(end));
    let who = (!pc.actors.is_empty()).then(|| pc.actors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "));
    let specificity = Specifics {
        who,
        what: Some(format!("{} against {}", event.label, pc.target)),
        where_: pc.place.as_ref().map(|p| if p.near { format!("near {}", p.name) } else { p.name.clone() }),
        when: window.clone(),
        how: None,
    };
    let lead_days = x.meta.published.map(|p| pc.window.start.0 - p.0);
    let n = profile.urgency.len();
    let urgency = match lead_days {
        Some(d) if d <= 1 => &profile.urgency[0],
        Some(d) if d <= 7 => &profile.urgency[1.min(n - 1)],
        _ => &profile.urgency[n - 1],
    };
    let filled = specificity.filled(&profile.specificity.fields).len();
    let attributes = ThreatAttributes {
        harm_type: pc.harm.clone(),
        harm_justification: None,
        credible: false,
        specific: filled >= profile.specificity.minimum,
        impending: true,
        specificity,
        window_start: Some(start),
        window_end: Some(end),
        victim: Some(victim),
        own_citizens_at_risk: false,
        urgency: Some(urgency.id.clone()),
    };
    let report = tearline_osint::stix::report_id(&x.article_id);
    Some(NewCase {
        id: NewCase::derive_id(&report),
        title: format!("{}: {}{}", event.label, pc.target, window.map(|w| format!(" ({w})")).unwrap_or_default()),
        attributes,
        source_object_ids: vec![report],
        recipients: None,
        proposed: true,
    })
}

fn day_micros(day: i32) -> Micros {
    i64::from(day) * MICROS_PER_DAY
}
