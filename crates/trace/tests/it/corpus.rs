//! A dozen realistic warnings (plots against shrines, concert halls, commemorations), each as
//! the content objects of one release: a campaign with the warning text and the duty-to-warn
//! threat attributes, the target location, a `targets` relationship and a note.

use serde_json::{Value, json};
use tearline_policy::ids;

pub const ORG: &str = "identity--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061";
pub const T0: &str = "2025-01-08T10:15:00.000Z";
pub const PARTNERS: &[&str] = &["syria-gis", "russia-fsb", "iran-mois", "tunisia-dgsn", "austria-dsn", "iraq-ctd"];

pub struct Case {
    pub place: &'static str,
    pub city: &'static str,
    pub country: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub start: &'static str,
    pub end: &'static str,
    pub harm: &'static str,
    pub text: &'static str,
}

pub const CASES: &[Case] = &[
    Case {
        place: "Sayyida Zaynab shrine",
        city: "Sayyida Zaynab",
        country: "SY",
        lat: 33.4443,
        lon: 36.3407,
        start: "2025-01-10T00:00:00.000Z",
        end: "2025-01-13T00:00:00.000Z",
        harm: "intentional-killing",
        text: "Based on several consistent reports, we assess that a cell of Islamic State is planning an attack on the Sayyida Zaynab shrine south of Damascus in the coming days. The cell is assessed to be in the final stage of preparation and will probably use a suicide bomber wearing an explosive vest among pilgrims. Its leader is believed to be in Rif Dimashq, and reporting indicates that he intends to strike between 10 and 12 January, in particular during Friday prayers. For these reasons we recommend increased security at the northern and eastern gates as well as searches of vehicles on the access road.",
    },
    Case {
        place: "Crocus City Hall",
        city: "Krasnogorsk",
        country: "RU",
        lat: 55.8256,
        lon: 37.3899,
        start: "2024-03-07T00:00:00.000Z",
        end: "2024-03-10T00:00:00.000Z",
        harm: "intentional-killing",
        text: "Extremists linked to Islamic State Khorasan are planning an attack against a large gathering in Moscow, in particular concerts at Crocus City Hall in Krasnogorsk. The group is judged to be capable of carrying out a mass shooting with four gunmen armed with rifles. We judge that the attackers will attempt to enter through the main foyer, and information indicates that the attack is likely to take place within the next 48 hours. Organisers should take note that crowds of more than 5,000 people are expected.",
    },
    Case {
        place: "Martyrs' cemetery, Kerman",
        city: "Kerman",
        country: "IR",
        lat: 30.2839,
        lon: 57.0834,
        start: "2024-01-02T00:00:00.000Z",
        end: "2024-01-04T00:00:00.000Z",
        harm: "intentional-killing",
        text: "We lack the exact route, but we assess that two suicide bombers are preparing an attack on the commemoration marking the anniversary of the death of Qasem Soleimani in Kerman on 3 January. The bombers are assessed to be Central Asian nationals and appear to be receiving support from a facilitator in Sistan and Baluchestan. The crowd near the Saheb al-Zaman mosque and the cemetery road is expected to exceed tens of thousands, and the bombers will seek to detonate at two points in order to maximise casualties.",
    },
    Case {
        place: "El Ghriba synagogue",
        city: "Djerba",
        country: "TN",
        lat: 33.8142,
        lon: 10.8586,
        start: "2025-05-14T00:00:00.000Z",
        end: "2025-05-17T00:00:00.000Z",
        harm: "intentional-killing",
        text: "A lone attacker is planning an attack on pilgrims at the El Ghriba synagogue on Djerba during the annual pilgrimage. The attacker is thought to be a serving officer of the island's naval guard and will probably act alone. He intends to strike on the final day of the pilgrimage, particularly during the evening procession, and is believed to be armed with a service pistol as well as a knife. Tunisian authorities should be aware that the attacker can enter the site in uniform.",
    },
    Case {
        place: "Ernst Happel Stadium",
        city: "Vienna",
        country: "AT",
        lat: 48.2072,
        lon: 16.4206,
        start: "2024-08-08T00:00:00.000Z",
        end: "2024-08-11T00:00:00.000Z",
        harm: "intentional-killing",
        text: "Following an arrest, we judge that two individuals from Ternitz and Vienna are preparing an attack on crowds outside the Ernst Happel Stadium during three concerts between 8 and 10 August. One suspect is assessed to be in possession of chemicals and improvised explosives, and the pair will attempt to use knives as well as explosives against people queueing at the gates. The threat is consistent with appeals by Islamic State supporters online and remains high despite one arrest, in particular for visitors waiting in the open area near the U2 metro station.",
    },
    Case {
        place: "St. Anthony's Shrine",
        city: "Colombo",
        country: "LK",
        lat: 6.9468,
        lon: 79.8561,
        start: "2019-04-20T00:00:00.000Z",
        end: "2019-04-22T00:00:00.000Z",
        harm: "intentional-killing",
        text: "Two groups inspired by Islamic State are planning coordinated suicide attacks against churches in Colombo and Negombo, especially St. Anthony's Shrine in Kochchikade, during Easter Sunday services. The network is believed to be led by a local preacher and is capable of carrying out several simultaneous bombings. It is expected to use at least six bombers, and we advise increased security at churches as well as at hotels frequented by foreigners.",
    },
    Case {
        place: "Blue Mosque",
        city: "Mazar-i-Sharif",
        country: "AF",
        lat: 36.7090,
        lon: 67.1109,
        start: "2023-03-20T00:00:00.000Z",
        end: "2023-03-23T00:00:00.000Z",
        harm: "intentional-killing",
        text: "We hold credible information that Islamic State Khorasan intends to attack the Nowruz celebrations at the Blue Mosque in Mazar-i-Sharif. The cell is judged to be planning a vehicle bomb at the eastern gate, and information indicates that the driver will seek to reach the main courtyard where up to 20,000 people gather. The attack is likely to take place on the first day of the festival. Local authorities should note that the cell is expected to move the vehicle from Balkh province at night in order to avoid checkpoints.",
    },
    Case {
        place: "Niamey-Ouallam road",
        city: "Ouallam",
        country: "NE",
        lat: 14.3181,
        lon: 2.0867,
        start: "2025-02-03T00:00:00.000Z",
        end: "2025-02-10T00:00:00.000Z",
        harm: "kidnapping",
        text: "A group linked to Jama'at Nusrat al-Islam wal-Muslimin is planning to kidnap foreign aid workers on the road between Niamey and Ouallam. The group appears to be studying the convoy schedule of two international organisations, and reporting indicates that the kidnappers will probably use motorcycles to stop vehicles near Tillabéri. The operation is expected to take place in the coming week. In the meantime we recommend enhanced security for road movements as well as a suspension of travel.",
    },
    Case {
        place: "Srebrenica-Potočari Memorial",
        city: "Potočari",
        country: "BA",
        lat: 44.1586,
        lon: 19.3003,
        start: "2025-07-10T00:00:00.000Z",
        end: "2025-07-12T00:00:00.000Z",
        harm: "intentional-killing",
        text: "A small network of violent right-wing extremists is preparing an attack against mourners at the Srebrenica-Potočari Memorial during the commemoration on 11 July. The network is assessed to be in possession of hunting rifles as well as hand grenades, and we judge that its members will try to fire from the hills above the cemetery. The threat is in line with online appeals to disrupt the burial of newly identified victims. Organisers should be aware that up to 30,000 people are expected at the site.",
    },
    Case {
        place: "Police Lines mosque",
        city: "Peshawar",
        country: "PK",
        lat: 34.0087,
        lon: 71.5249,
        start: "2023-01-27T00:00:00.000Z",
        end: "2023-01-31T00:00:00.000Z",
        harm: "intentional-killing",
        text: "The splinter group Jamaat-ul-Ahrar is planning a suicide bombing at the mosque inside the Police Lines compound in Peshawar during the afternoon prayers. The bomber is believed to be wearing a police uniform in order to pass the checkpoints, and information indicates that he will attempt to reach the main prayer hall when more than 300 officers are present. The group has the capability of carrying out such an attack with 10 to 12 kilograms of explosives.",
    },
    Case {
        place: "Christkindelsmärik",
        city: "Strasbourg",
        country: "FR",
        lat: 48.5818,
        lon: 7.7509,
        start: "2024-12-20T00:00:00.000Z",
        end: "2024-12-25T00:00:00.000Z",
        harm: "intentional-killing",
        text: "An individual radicalised online is planning a ramming attack at the Christkindelsmärik in Strasbourg on the last weekend before Christmas. He appears to be renting a van in Kehl and is expected to approach from the Place Kléber side, especially where barriers are missing. On balance we assess that he is likely to act alone, and we advise heightened security at the market entrances as well as checks of rental vehicles.",
    },
    Case {
        place: "Baghdad-Karbala pilgrim road",
        city: "Karbala",
        country: "IQ",
        lat: 32.6160,
        lon: 44.0249,
        start: "2025-07-04T00:00:00.000Z",
        end: "2025-07-06T00:00:00.000Z",
        harm: "intentional-killing",
        text: "Remnants of Islamic State in Anbar are preparing an attack on Ashura pilgrims on the road from Baghdad to Karbala, with the aim of killing as many as possible on 5 July. The cell is thought to be hiding in the desert west of Karbala and aims to use a truck bomb at a checkpoint. Iraqi authorities should take note that the cell is consistent with the group that struck in Hilla, and we recommend increased security on the route as well as at rest stops for pilgrims.",
    },
];

fn uuid(case: usize, n: u32) -> String {
    format!("{:08x}-0000-4000-8000-{:012x}", case as u32 + 1, n)
}

/// The release objects of case `i` (as a projection would give them: content plus the
/// definitions they use and the releasing organisation).
pub fn release(i: usize) -> Vec<Value> {
    let c = &CASES[i];
    let campaign = format!("campaign--{}", uuid(i, 1));
    let location = format!("location--{}", uuid(i, 2));
    let rel = format!("relationship--{}", uuid(i, 3));
    let note = format!("note--{}", uuid(i, 4));
    let amber = ids::TLP2_AMBER;
    let omr = json!([amber]);
    let mut out = vec![
        json!({"type":"identity","spec_version":"2.1","id":ORG,"created":T0,"modified":T0,"name":"Producer Service","identity_class":"organization"}),
        ids::tlp2_definition(amber).expect("amber").clone(),
        ids::extension_definition(ids::EXT_THREAT_ATTRIBUTES).expect("ext").clone(),
        ids::tearline_identity(),
        json!({"type":"location","spec_version":"2.1","id":location,"created":T0,"modified":T0,"created_by_ref":ORG,
            "name":c.place,"description":format!("The {} is the intended target.", c.place),"latitude":c.lat,"longitude":c.lon,
            "city":c.city,"country":c.country,"object_marking_refs":omr}),
        json!({"type":"campaign","spec_version":"2.1","id":campaign,"created":T0,"modified":T0,"created_by_ref":ORG,
            "name":format!("Planned attack on {}", c.place),"description":c.text,"first_seen":c.start,"last_seen":c.end,
            "object_marking_refs":omr,
            "extensions":{ids::EXT_THREAT_ATTRIBUTES:{"extension_type":"property-extension","harm_type":c.harm,
                "credible":true,"specific":true,"impending":true,
                "specificity":{"who":"named group","what":c.harm,"where":c.place,"when":c.start,"how":"see description"},
                "window_start":c.start,"window_end":c.end,"urgency":"days"}},
            "x_tearline_expected_crowd":5000}),
        json!({"type":"relationship","spec_version":"2.1","id":rel,"created":T0,"modified":T0,"created_by_ref":ORG,
            "relationship_type":"targets","source_ref":campaign,"target_ref":location,"object_marking_refs":omr,
            "start_time":c.start,"stop_time":c.end}),
        json!({"type":"note","spec_version":"2.1","id":note,"created":T0,"modified":T0,"created_by_ref":ORG,
            "abstract":format!("Threat warning: {}", c.place),
            "content":format!("Recipients should be aware that the threat to the {} remains high until {}. The warning is consistent with earlier reporting, and we recommend increased security as well as a review of evacuation plans in order to protect visitors.", c.place, &c.end[..10]),
            "object_refs":[campaign, location],"object_marking_refs":omr}),
    ];
    out.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    out
}
