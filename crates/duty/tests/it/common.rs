use tearline_duty::*;
use tearline_policy::RelationshipFlags;

pub fn t(s: &str) -> Micros {
    tearline_stix::Timestamp::parse(s).unwrap().as_micros()
}

pub fn profile() -> Profile {
    Profile::default_profile()
}

pub fn attrs(country: &str, victim: &str) -> ThreatAttributes {
    ThreatAttributes {
        harm_type: "intentional-killing".into(),
        harm_justification: None,
        credible: true,
        specific: true,
        impending: true,
        specificity: Specifics {
            who: Some("a local cell of an armed group".into()),
            what: Some("bomb attack".into()),
            where_: Some(victim.into()),
            when: None,
            how: Some("explosives carried by a person".into()),
        },
        window_start: Some(t("2025-01-10T00:00:00Z")),
        window_end: Some(t("2025-01-12T00:00:00Z")),
        victim: Some(Victim { kind: VictimKind::Place, name: victim.into(), country: Some(country.into()), area: None, designations: vec![] }),
        own_citizens_at_risk: false,
        urgency: Some("high".into()),
    }
}

pub fn hostile() -> RelationshipFlags {
    RelationshipFlags { hostile: true, ..Default::default() }
}

pub fn not_recognised() -> RelationshipFlags {
    RelationshipFlags { not_recognised: true, ..Default::default() }
}

/// A case with its timeline, driven by events as different actors.
pub struct Run {
    pub case: Case,
    pub timeline: Vec<TimelineEntry>,
    pub profile: Profile,
}

impl Run {
    pub fn open(id: &str, attributes: ThreatAttributes, recipients: Option<Vec<CaseRecipient>>, author: &str, at: Micros) -> Run {
        let profile = profile();
        let new = NewCase { id: id.into(), title: format!("case {id}"), attributes, source_object_ids: vec!["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".into()], recipients, proposed: false };
        let (case, entry) = Case::create(new, &Ctx::new(at, author, &profile)).unwrap();
        Run { case, timeline: vec![entry], profile }
    }

    pub fn try_ev(&mut self, at: Micros, actor: &str, event: Event) -> Result<(), CaseError> {
        let (c, e) = tearline_duty::timeline::record(&self.case, event, &Ctx::new(at, actor, &self.profile))?;
        self.case = c;
        self.timeline.push(e);
        Ok(())
    }

    pub fn ev(&mut self, at: Micros, actor: &str, event: Event) {
        let state = self.case.state;
        if let Err(e) = self.try_ev(at, actor, event.clone()) {
            panic!("{event:?} in {state:?}: {e}");
        }
    }

    pub fn resolver(&mut self, at: Micros, actor: &str, event: Event) -> Result<(), CaseError> {
        let (c, e) = tearline_duty::timeline::record(&self.case, event, &Ctx::new(at, actor, &self.profile).as_resolver())?;
        self.case = c;
        self.timeline.push(e);
        Ok(())
    }
}

pub fn warn(channel: &str) -> Event {
    Event::Decide { decision: Decision::Warn { channel: channel.into(), justification: None } }
}

pub fn waive(ground: &str, justification: &str) -> Event {
    Event::Decide { decision: Decision::Waive { ground: ground.into(), justification: justification.into(), sanitised_drafts: vec![] } }
}

pub fn published(partner: &str, release: &str) -> Event {
    Event::Published { partner: partner.into(), release_id: release.into(), content_hash: format!("sha256:{}", "ab".repeat(32)), channel: "taxii".into() }
}
