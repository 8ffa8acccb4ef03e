//! Precision and recall of the sanitiser lints on labelled sentences in `tests/lints/`:
//! - `dev.jsonl`: the development set the vocabulary is tuned on;
//! - `heldout.jsonl`: written before the vocabulary, but seen while writing it;
//! - `blind.jsonl`, `blind2.jsonl`, `blind3.jsonl`, `blind4.jsonl`: each written after a
//!   vocabulary round and measured once before any further change. Their first measurements are
//!   the honest estimate for unseen text (recorded at each test); after that they guard against
//!   regressions (`blind4` was tuned on by class in the fourth round: word classes, stems,
//!   colon speech, spelled and dotted clock times, wallets, account names);
//! - `blind5.jsonl`: written after the fourth round in a terse bulletin style; first measurement
//!   precision 0.963, recall 0.650;
//! - `blind6.jsonl`: written after the fourth round, before any fifth-round change, in other
//!   styles (diplomatic cables, police liaison notes, CERT advisories, ISAC bulletins, analyst
//!   chat); first measurement precision 0.808, recall 0.583. `blind5` and `blind6` were tuned on
//!   by class in the fifth round (collection product and coverage nouns, warrants, covert
//!   entry, radio and direction finding, sensors and trackers, seized-device exploitation,
//!   private exchanges; police and diplomatic names for sources; public statements and
//!   mentions in quotation marks; onion addresses, messenger ids, vehicle registrations; more
//!   clock-time forms) and are now regression guards;
//! - `blind7.jsonl`: written after the fifth round in yet other styles (SITREPs, translated
//!   service prose, court and press summaries, duty-officer handovers); first measurement
//!   precision 0.767, recall 0.440. Tuned on by class in the sixth round (service jargon for
//!   collection, visibility and "eyes on", imaged devices and files on a target's device,
//!   returns to legal requests, cameras and feeds, transcripts and metadata, coverage and its
//!   state; sources by relation, payment, defection and "keeps us informed"; quotations with
//!   apostrophes, speech tags between commas and after quotations, colon speech in the third
//!   person, dictated quotes; handles after "on the forum:", Litecoin and other wallets, invite
//!   links, spelled e-mail addresses; more clock-time forms; and, for precision, the
//!   adversary's drones, slogans and chants, a newspaper's source, published recordings,
//!   baggage handlers, a liaison officer as recipient, a public event's published time): now a
//!   regression guard;
//! - `round6.jsonl`: 60 sentences written in the sixth round (53 of them before its changes) as
//!   variants of those classes in other words and registers, with hard negatives (the vocabulary
//!   before the round: precision 0.333, recall 0.132). Not a blind set: written by the engineer
//!   who tuned the round.
//! - `blind8.jsonl`, `blind9.jsonl`: written by someone who never saw the vocabulary, the code
//!   or any earlier set. With the fifth-round vocabulary: precision 0.835 / recall 0.805 and
//!   0.919 / 0.695 (both together 0.872 / 0.750); with the sixth-round one, 0.869 / 0.890 and
//!   0.923 / 0.732 (0.893 / 0.811). `blind8` was then tuned on by class in the seventh round
//!   (telecom records in other services' words, translated lawful interception, prison mail
//!   and telephones, airborne and physical surveillance jargon, a device of ours going live;
//!   insiders by role who cooperate, prisoners who tell, legal regimes for cooperating accused,
//!   persons of trust, American informant abbreviations; speech after a verb and its addressee
//!   with a dash or a colon, and after a tag and a comma; a time after a scheduling verb,
//!   military zone letters, labelled and approximate times; UPI addresses and payment links, IP
//!   addresses attributed to a person; and, for precision, drones as weapons, of state forces
//!   or announced for patrols, our watch on a situation, partners as addressees, a newspaper's
//!   sources, prisoners as subjects, physical interceptions, counted seizures, published CCTV,
//!   round ranges of numbers, published times of advisories, government bodies' public
//!   warnings, no visibility of a recipient's systems, phrases reaching across sentences) and
//!   is now a regression guard. `blind9` stayed unseen through the seventh round (0.955 /
//!   0.768 after it) and was tuned on by class in the eighth round (national names and legal
//!   bases of interception and covert searches: Australian TI product, section 205 records,
//!   online searches under section 100b StPO; intercept product "from the lines"; records for a
//!   target's cellphone; radar and thermal holds by patrol aircraft; our sinkholes and
//!   honeypots; first-person collection in contractions, "we've got access"; people who report
//!   to the police, source notes ("reporting individual", "in contact since", "expenses paid",
//!   "ex-girlfriend of"), information that came from a relative, our researchers running
//!   personas; German single quotation marks, speech tags whose subject holds "of" ("the head of
//!   the clan told"), a gang's president speaking to his members; ranges of four-digit times
//!   before "before" / "after", approximate times `~2315`; Discord and gaming tags,
//!   registrations after "rego"; and, for precision, security products intercepting files and
//!   mail, unauthorised drones near airports, the press idiom "people familiar with the
//!   matter"): 1.000 / 0.988 after it, now a regression guard.
//! - `blind10.jsonl`, `blind11.jsonl`: by the same independent writer after the sixth round,
//!   in yet other styles; never tuned on. Sixth-round vocabulary: 0.886 / 0.765 and 0.890 /
//!   0.802; seventh: 0.889 / 0.790 and 0.929 / 0.802 (`blind9` + `blind10` + `blind11` together
//!   after the seventh round: precision 0.923, recall 0.787, tp 192 fp 16 fn 52 tn 280); eighth:
//!   0.901 / 0.790 and 0.943 / 0.815; ninth: 0.903 / 0.802 and 0.944 / 0.840; tenth: the same.
//! - `blind12.jsonl`, `blind13.jsonl`: by a new independent writer (who never saw the
//!   vocabulary, the code or any earlier set) after the seventh round, in yet other styles.
//!   Seventh-round vocabulary: 0.886 / 0.765 and 0.852 / 0.852; eighth: 0.887 / 0.778 and 0.852
//!   / 0.852. `blind12` was tuned on by class in the ninth round (financial returns under
//!   account monitoring and other orders, mail opened, copied and resealed in transit, officers
//!   working under cover or posing as buyers; people who pass information to the forces, often
//!   paid in kind, information brought by a relative of the subject or by someone who came of
//!   their own accord, sources recruited, run or tasked by us, "on the service's books", "tasked
//!   to report"; speech after a dash, after "reads in part" and other fillers, after a possessed
//!   speech noun with "was blunt" and other words of manner, after a writing participle ("Written
//!   on the back of ...:") or "in the courier's handwriting:", reported speech after a speech
//!   verb and "that" whose quotation follows a mention noun ("told the members that the operation
//!   is '...'"); a named person's home connection with an IP address, plates with five-digit
//!   groups or digits alone, platforms' short names ("his snap is ...") and names an account
//!   goes by, mobile-money and bank account numbers and IBANs; "half 8 tonight", "c. 0215L" and
//!   zone-lettered times after movement verbs; and, for precision, chatter on public forums and
//!   social media, the press's "security sources", partners as the addressees of advice,
//!   published hotlines and freephone numbers, characterisations after "called the strike" or
//!   "described the raid as" and the words of public figures, inscriptions ("'...' is painted
//!   above the gate"), a group's claims on its official channel, the broadcast time of a public
//!   address): 1.000 / 1.000 after it, now a regression guard. `blind13` stayed unseen through
//!   the ninth round (0.863 / 0.852 after it) and was tuned on by class in the tenth round
//!   (physical surveillance jargon: countersurveillance officers, follow and foot teams that
//!   "housed" a subject, static observation posts; cameras concealed by us; insider-threat
//!   monitoring of a person's workstation, keystrokes logged, screenshots taken for us; a member
//!   of their group who "is ours" or "one of ours", someone who has been reporting to or helping
//!   the police or a security officer, "a source of the Service" and a source placed in a
//!   leader's entourage, a turncoat who now gives the police what he knows, confidences told
//!   quietly to corporate security or the police; bank account numbers after CLABE, CBU, BSB,
//!   sort code and routing words, profile links on Steam, Twitch, Reddit and other platforms; a
//!   time label with a qualifier before its colon ("ETA at target: 1340L", "H-hour (local):");
//!   and, for precision, intelligence disciplines named in general discussion ("signals
//!   intelligence alone rarely ..."), organisations' notices to all staff or to passengers,
//!   the insider as the threat ("insider sabotage"), partners as the addressees of a
//!   recommendation or of sharing ("a non-allied service"), things photographed by the press or
//!   followed on public flight-tracking sites, open-source geolocation of published videos, a
//!   defector's published memoir, published shift hours): 1.000 / 1.000 after it, now a
//!   regression guard.
//!
//! - `blind14.jsonl`, `blind15.jsonl`: by a third independent writer after the ninth round, in
//!   yet other styles, with more hard negatives (about 55 a set); never tuned on. Ninth-round
//!   vocabulary: 0.817 / 0.827 and 0.855 / 0.793; tenth: 0.838 / 0.827 and 0.857 / 0.805.
//!
//! - `blind16.jsonl`, `blind17.jsonl`: by a fourth independent writer after the tenth round, in
//!   yet other styles, with about 63 hard negatives a set; unseen until the twelfth round.
//!   First measurement: the tenth-round vocabulary alone 0.767 / 0.815 and 0.770 / 0.827; with
//!   the model's first two heads 0.771 / 0.914 and 0.779 / 0.914; the model now 0.788 / 0.963
//!   and 0.794 / 0.951.
//!
//! **The model (eleventh round).** The vocabulary now has a statistical second opinion
//! (`src/lints/model.rs`): a logistic regression per class (modality, source, quote, time)
//! trained on every set above that was tuned on (and `round6`-`round11`), never on `blind10`,
//! `blind11` or `blind14` and later; each head's threshold was chosen by leave-one-set-out
//! cross-validation over the training sets, before any unseen set was scored with that head.
//! On the six sets never tuned or trained on (1,080 sentences, 487 blocking, three writers):
//!
//! | | precision | recall | tp / fp / fn / tn |
//! |---|---|---|---|
//! | the vocabulary alone (tenth round) | 0.842 | 0.819 | 399 / 75 / 88 / 518 |
//! | model: modality and source heads | 0.838 | 0.914 | 445 / 86 / 42 / 507 |
//! | and trained on `round11` | 0.845 | 0.916 | 446 / 82 / 41 / 511 |
//! | and quote and time heads (now) | **0.845** | **0.953** | 464 / 85 / 23 / 508 |
//!
//! Misses by class on the four older unseen sets, vocabulary alone: modality 19, source 18,
//! quote 8, selector 7, time 7; now: modality 3, source 3, quote 1, selector 5, time 4. These
//! figures were taken after each of those steps, so the sets saw the steps; the quote and time
//! heads' gates (public statements; times in digits left to the patterns) came from unit tests
//! of the patterns' hard negatives, not from these sets. Each unseen set's test prints both
//! figures.
//!
//! `blind18.jsonl`, `blind19.jsonl`: by a fifth independent writer after the model's last change,
//! measured once (the writer's brief named kinds of hard negatives, among them some the first
//! model had flagged: a plotter's relative or driver as a fact about the plot, the plotters' own
//! phones, quantities in four digits). **The model as committed: precision 0.757, recall 0.963**
//! (tp 156 fp 50 fn 6 tn 148); the vocabulary alone 0.786 / 0.815 (tp 132 fp 36 fn 30 tn 162).
//! All eight unseen sets together: 0.821 / 0.955, against 0.827 / 0.818 for the vocabulary
//! alone. The model trades less than a point of precision over all eight sets (three on
//! `blind18`-`blind19`) for fourteen to fifteen points of recall.
//!
//! `blind20.jsonl`, `blind21.jsonl`: by a sixth independent writer at the start of session 9,
//! before any change to the lints, measured once: the model as committed **0.858 / 0.969** (tp
//! 157 fp 26 fn 5 tn 172), the vocabulary alone 0.872 / 0.926 (tp 150 fp 22 fn 12 tn 176). All
//! ten unseen sets together (1,800 sentences, five writers): the model 0.828 / 0.958 (tp 777 fp
//! 161 fn 34 tn 828), the vocabulary alone 0.837 / 0.840 (tp 681 fp 133 fn 130 tn 856).
//!
//! **Twelfth round (precision).** `blind16`-`blind19` became tuning sets (the vocabulary was tuned
//! on their false alarms by class, and the model trained on them); `round12.jsonl` was written
//! first as variants of their false alarms and misses. Vocabulary: "recorded" as record keeping
//! (statistics, verdicts, inventories, data recorders); vessels and people intercepted by patrols
//! and forces, distress calls; tapping laws and scandals; pictures, recordings and footage
//! published by others; the duty to file suspicious transaction reports, SIM registration, the
//! adversary's own burner phones and encrypted apps, drones as goods; whistleblower laws,
//! informant reward schemes, defectors and former members in public interviews and lectures,
//! undercover journalists, dog handlers, a newspaper's sources; published times (programmes
//! that air, office and line hours, published timetables, times attributed to a website,
//! fixtures, siren tests, services; the public clause that reaches furthest wins, and "and"
//! between two times joins a range); public quotations (services and churches, spokesmen after
//! "according to", press interviews, parliament, banners carried by protesters, legal texts; a
//! characterisation after "calling it" following
//! another naming verb); and for recall "12 noon" and hours counted in words. Model: trained on
//! `blind16`-`blind19` and `round12`, thresholds re-derived over ten folds (modality 0.6, source
//! 0.5, quote 0.3, time 0.7). Before → after (with the model): `blind16` 0.788 / 0.963 → 0.963 /
//! 0.963; `blind17` 0.794 / 0.951 → 0.964 / 0.988; `blind18` 0.780 / 0.963 → 0.964 / 0.988;
//! `blind19` 0.736 / 0.963 → 0.988 / 0.988; `round12` 0.377 / 0.833 → 0.957 / 0.917 (tuned and
//! trained on, so these are regression guards now, not estimates). The six sets still unseen
//! (`blind10`, `blind11`, `blind14`, `blind15`, `blind20`, `blind21`; 1,080 sentences, 487
//! blocking, three writers), measured once at the end: precision 0.864 → **0.892**, recall 0.955 →
//! **0.949** (tp 446 fp 70 fn 21 tn 523 → tp 462 fp 56 fn 25 tn 537): short of 0.9 precision,
//! and four blocking sentences fewer caught. On review three exemptions that failed open were
//! narrowed, none of which moved the unseen sets: a quotation in a sentence naming "our own
//! wording for a partner's version" ("The partner version should not include his words: '...'")
//! is reported again; the police and the army after "according to" no longer make a quotation
//! public; and a public time counts as the plot's when its sentence goes on to the attack
//! ("Prayers begin at 19:30, when the cell intends to detonate the device").
//!
//! `blind22.jsonl`, `blind23.jsonl`: by a seventh independent writer after the twelfth round,
//! measured once: the model **0.826 / 0.969** (tp 157 fp 33 fn 5 tn 165), the vocabulary alone
//! 0.828 / 0.920 (tp 149 fp 31 fn 13 tn 167). The round's gain on the sets it was measured on
//! (0.864 → 0.892) did not carry to a new writer: first measurements by writer are 0.757
//! (`blind18`-`blind19`, eleventh round), 0.858 (`blind20`-`blind21`, before the twelfth) and
//! 0.826 (`blind22`-`blind23`, after it). Of the 33 false alarms, 14 are clock times these sets
//! label clean as published (timetables, opening hours, announced times), which the lint
//! reports by design unless a `time_allow` phrase names the publication: a time finer than the
//! granularity blocks, and an approver's override says it is public.
//!
//! Before the model, the estimate for unseen text was the four sets never tuned on, `blind10`,
//! `blind11`, `blind14` and `blind15` together (720 sentences, 325 blocking, by two writers),
//! after the tenth round: precision 0.884, recall 0.818 (tp 266 fp 35 fn 59 tn 360); with the
//! model now: precision 0.875, recall 0.951 (tp 309 fp 44 fn 16 tn 351). (`blind10` and
//! `blind11` alone: 0.924 / 0.821, the same as after the ninth round; `blind10`, `blind11` and
//! `blind13` after the ninth: 0.902 / 0.831; `blind10` to `blind13` after the eighth: 0.894 /
//! 0.809.) A round tuned on one set by class moves the sets it never saw by about a point of
//! recall, or not at all: a vocabulary learns the phrasing it has seen.
//! - `round7.jsonl`: 60 sentences written in the seventh round (56 of them before its changes)
//!   as variants of its classes in other words and registers, with hard negatives (the
//!   vocabulary before the round: precision 0.158, recall 0.083). Not a blind set: written by
//!   the engineer who tuned the round.
//! - `round8.jsonl`: 63 sentences written in the eighth round, all before its changes, as
//!   variants of its classes in other words and registers, with hard negatives (the vocabulary
//!   before the round: precision 0.538, recall 0.189). Not a blind set: written by the engineer
//!   who tuned the round.
//! - `round9.jsonl`: 62 sentences written in the ninth round, all before its changes, as
//!   variants of its classes in other words and registers, with hard negatives (the vocabulary
//!   before the round: precision 0.143, recall 0.054). Not a blind set: written by the engineer
//!   who tuned the round.
//! - `round10.jsonl`: 53 sentences written in the tenth round, all before its changes, as
//!   variants of its classes in other words and registers, with hard negatives (the vocabulary
//!   before the round: precision 0.308, recall 0.276). Not a blind set: written by the engineer
//!   who tuned the round.
//! - `round11.jsonl`: 64 sentences written in the eleventh round (13 of them probed with the
//!   first model before the set was written): a release's own analytic prose as hard negatives,
//!   modality and sources in the same register. Trained on by the model; not a blind set.
//!
//! The gap between the tuned sets (about 1.0) and each new blind set's first figure (0.65, 0.58,
//! 0.44 recall; the independent sets 0.75-0.81 together) is the real finding: a vocabulary learns
//! the phrasing it has seen, and a new style of writing brings new phrasing. The model, which
//! generalises from all the labelled sentences rather than from phrases taken out of them, closed
//! most of that gap for modality and sources (19 and 18 misses on the four older unseen sets to
//! 4 and 5); what it leaves is quotations, selectors and clock times in forms nobody listed.
//!
//! `blind` to `blind7` were written by the engineers who maintain the vocabulary, who know what
//! it matches; `blind8` to `blind21` by five others, the fairer test.
//!
//! Add a new blind set after every vocabulary change and record its first measurement. Run:
//! `cargo test -p tearline-policy --test it lints_eval -- --nocapture`.

use serde_json::Value;
use tearline_policy::lints::{LintConfig, lint_text};

struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
    tn: usize,
    misses: Vec<String>,
    /// Blocking findings on clean sentences, by code (`model TL-...` for the model's).
    alarms: std::collections::BTreeMap<String, usize>,
}

impl Score {
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

fn evaluate(file: &str) -> Score {
    evaluate_with(file, &LintConfig::default())
}

/// The default vocabulary's phrases and patterns alone.
fn vocabulary_alone() -> LintConfig {
    LintConfig::default().without_model()
}

fn evaluate_with(file: &str, cfg: &LintConfig) -> Score {
    let text = std::fs::read_to_string(format!("{}/tests/lints/{file}", env!("CARGO_MANIFEST_DIR"))).expect("labelled set");
    let mut s = Score { tp: 0, fp: 0, fn_: 0, tn: 0, misses: Vec::new(), alarms: Default::default() };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).expect("jsonl");
        let sentence = v["text"].as_str().expect("text");
        let expected = v["block"].as_bool().expect("block");
        let mut out = Vec::new();
        lint_text(sentence, "x", "description", cfg, &mut out);
        let blocked = out.iter().any(|f| f.blocking);
        match (expected, blocked) {
            (true, true) => s.tp += 1,
            (false, true) => {
                s.fp += 1;
                for f in out.iter().filter(|f| f.blocking) {
                    let by = if f.reason.is_some() { format!("model {}", f.code) } else { f.code.to_owned() };
                    *s.alarms.entry(by).or_default() += 1;
                }
                s.misses.push(format!("FP {sentence} -> {:?}", out.iter().map(|f| (f.code, &f.matched)).collect::<Vec<_>>()));
            }
            (true, false) => {
                s.fn_ += 1;
                s.misses.push(format!("FN [{}] {sentence}", v["cat"]));
            }
            (false, false) => s.tn += 1,
        }
    }
    s
}

#[test]
fn dev_set_precision_and_recall() {
    let s = evaluate("dev.jsonl");
    for m in &s.misses {
        eprintln!("dev {m}");
    }
    eprintln!("dev: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    assert!(s.recall() >= 0.95 && s.precision() >= 0.95, "dev set below floor");
}

#[test]
fn heldout_set_precision_and_recall() {
    let s = evaluate("heldout.jsonl");
    for m in &s.misses {
        eprintln!("heldout {m}");
    }
    eprintln!("heldout: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    // Floors: a missed blocking finding can burn a source, so recall has the higher floor.
    assert!(s.recall() >= 0.95, "held-out recall {:.3} below the 0.95 floor", s.recall());
    assert!(s.precision() >= 0.90, "held-out precision {:.3} below the 0.90 floor", s.precision());
}

#[test]
fn blind_set_precision_and_recall() {
    // Written after the vocabulary and never tuned on: the honest estimate of how the lints do
    // on texts nobody has seen.
    let s = evaluate("blind.jsonl");
    for m in &s.misses {
        eprintln!("blind {m}");
    }
    eprintln!("blind: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    // First measurement (before any tuning on it): precision 1.000, recall 0.467. Since tuned
    // on (by category, not sentence), so now a regression guard only.
    assert!(s.recall() >= 0.9 && s.precision() >= 0.9, "blind set regressed");
}

#[test]
fn blind2_set_precision_and_recall() {
    // Written after every vocabulary change, measured once, never tuned on; the floors sit
    // below that first measurement. This is the number to quote for unseen text.
    let s = evaluate("blind2.jsonl");
    for m in &s.misses {
        eprintln!("blind2 {m}");
    }
    eprintln!("blind2: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    // First measurement: precision 1.000, recall 0.545; since tuned on by category.
    assert!(s.recall() >= 0.9 && s.precision() >= 0.9, "blind2 set regressed");
}

#[test]
fn blind3_set_precision_and_recall() {
    let s = evaluate("blind3.jsonl");
    for m in &s.misses {
        eprintln!("blind3 {m}");
    }
    eprintln!("blind3: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    // Written before the last vocabulary round, measured once: precision 0.957, recall 1.000.
    assert!(s.recall() >= 0.9 && s.precision() >= 0.9, "blind3 set below its floors");
}

#[test]
fn blind4_set_precision_and_recall() {
    // 48 blocking / 44 clean sentences, written before the fourth vocabulary round.
    // First measurement (before any change): precision 0.861, recall 0.646 (tp 31 fp 5 fn 17 tn 39).
    let s = evaluate("blind4.jsonl");
    for m in &s.misses {
        eprintln!("blind4 {m}");
    }
    eprintln!("blind4: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    // Since tuned on (by class, not sentence): a regression guard only.
    assert!(s.recall() >= 0.95 && s.precision() >= 0.95, "blind4 set regressed");
}

#[test]
fn blind5_set_precision_and_recall() {
    // 40 blocking / 36 clean sentences in a terse bulletin style, written after the fourth
    // vocabulary round. First measurement (its first run panicked on a quotation in curly single
    // quotes, a bug in the new quote groups; fixed without touching the vocabulary, then
    // measured): precision 0.963, recall 0.650 (tp 26 fp 1 fn 14 tn 35). Its misses (11 of 13
    // modality sentences: "technical coverage", "audio from", "chat history", "sensor data", "a
    // tap on the landline", seized-device exploitation, ...) were classes of the fifth round,
    // measured after it on `blind7`.
    let s = evaluate("blind5.jsonl");
    for m in &s.misses {
        eprintln!("blind5 {m}");
    }
    eprintln!("blind5: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    // Since tuned on by class in the fifth round (1.000 / 1.000 after it): a regression guard.
    assert!(s.recall() >= 0.95 && s.precision() >= 0.95, "blind5 set regressed");
}

#[test]
fn blind6_set_precision_and_recall() {
    // 108 blocking / 98 clean sentences in styles the earlier sets lack (translated diplomatic
    // cables, police liaison notes, CERT advisories, ISAC bulletins, chat-like analyst notes,
    // British and American spelling), with hard negatives (public statements by officials in
    // quotation marks, "intercepted" by police or malware, "recorded" by a SOC, "liaison
    // officers" as a delivery route). Written after the fourth round, before any change.
    // First measurement: precision 0.808, recall 0.583 (tp 63 fp 15 fn 45 tn 83).
    let s = evaluate("blind6.jsonl");
    for m in &s.misses {
        eprintln!("blind6 {m}");
    }
    eprintln!("blind6: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    // Since tuned on by class in the fifth round (precision 0.991, recall 1.000 after it; the
    // one false alarm left, "peaks around midday", is an hour in a habitual statement, which
    // the time lint cannot tell from a planned hour): a regression guard.
    assert!(s.recall() >= 0.95 && s.precision() >= 0.95, "blind6 set regressed");
}

#[test]
fn blind7_set_precision_and_recall() {
    // 75 blocking / 83 clean sentences in styles none of the earlier sets has (SITREPs,
    // translated Russian and French service prose, court and press summaries, duty-officer
    // handovers, maritime and financial bulletins), written after the fifth round and measured
    // once before any change: precision 0.767, recall 0.440 (tp 33 fp 10 fn 42 tn 73). Its
    // misses by class, which the sixth round tuned on (by class, not by sentence): service jargon for collection ("operative data", "technical
    // control", "eyes on", "under our control", transcripts, metadata, geofencing, returns to
    // legal requests); people with access described by relation ("a woman married to one of
    // the cell members", "keeps us informed", "paid by the service"); speech in single quotes
    // with an apostrophe inside ("'If I don't come back...'"), unquoted speech around "she told
    // them", colon speech in the third person; handles after "on the forum:", Litecoin
    // addresses, WhatsApp invite links, spelled-out e-mail addresses; "at 0615 at", "half
    // seven", "roughly 05.20", "between 2 and 3 in the afternoon". False alarms: the
    // adversary's drones, public chants and slogans in quotation marks, a newspaper's "source",
    // propaganda recordings, "baggage handlers", a "liaison officer" as the recipient, the
    // published start time of a march.
    let s = evaluate("blind7.jsonl");
    for m in &s.misses {
        eprintln!("blind7 {m}");
    }
    eprintln!("blind7: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    // After the sixth round (tuned on by class): precision 1.000, recall 1.000 (tp 75 fp 0 fn 0
    // tn 83). A regression guard now, with floors just below that.
    assert!(s.recall() >= 0.97 && s.precision() >= 0.97, "blind7 set regressed");
}

#[test]
fn round6_set_precision_and_recall() {
    // 38 blocking / 22 clean sentences written in the sixth round as variants of its classes in
    // other words (translated service jargon, first-person visibility, devices imaged or under
    // our control, disclosure on a court order, relatives and paid helpers as sources, speech
    // tags, dictated quotes, invite links, defanged e-mail addresses, 19h / half nine / 0530-0600)
    // and hard negatives (the militia's drones, drone flight bans, chants and mottos, a
    // broadcaster's source, a released audio recording, cargo handlers, a liaison officer as
    // recipient, a parade's published start, reconnaissance photographs taken by the suspects,
    // "As a result, he told his lawyer, ...", our own instruction to partners after a colon).
    // Before the round: precision 0.333, recall 0.132 (tp 5 fp 10 fn 33 tn 12); after: 1.000 /
    // 1.000. Tuned alongside, so a regression guard, not an estimate.
    let s = evaluate("round6.jsonl");
    for m in &s.misses {
        eprintln!("round6 {m}");
    }
    eprintln!("round6: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    assert!(s.recall() >= 0.95 && s.precision() >= 0.95, "round6 set regressed");
}

#[test]
fn a_vocabulary_without_the_fifth_round_keys_still_loads() {
    // `speech_nouns`, `public_speech` and `quote_mention` are optional (and so are the sixth
    // round's `quote_mention_near`, `speech_noun_frames` and `time_allow`, the seventh round's
    // `ip_attribution` and the eighth round's `private_speech`): an organisation's own
    // vocabulary written before them loads, and then a public quotation is reported as before.
    let old = "modality = [\"intercept*\"]\nsource = [\"informant*\"]\nspeech_verbs = [\"said\"]\nquote_min_words = 4\nquote_min_words_after_verb = 2\nskip_keys = [\"id\"]\n";
    let cfg = LintConfig::from_toml(old).expect("an older vocabulary loads");
    let public = "The minister told reporters: \"We will not be intimidated by anyone.\"";
    let mut out = Vec::new();
    lint_text(public, "x", "description", &cfg, &mut out);
    assert!(out.iter().any(|f| f.code == "TL-QUOTE"), "{out:?}");
    let mut out = Vec::new();
    lint_text(public, "x", "description", &LintConfig::default(), &mut out);
    assert!(out.is_empty(), "a public statement under the default vocabulary: {out:?}");
}

#[test]
fn lints_never_panic_on_any_slice_of_the_labelled_sentences() {
    // Byte windows into multi-byte text (curly quotes, guillemets, accents) around colons and
    // quotation marks: every char-boundary slice of every labelled sentence, plus a few
    // multi-byte prefixes.
    let cfg = LintConfig::default();
    let dir = format!("{}/tests/lints", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for e in std::fs::read_dir(dir).expect("dir") {
        let text = std::fs::read_to_string(e.expect("entry").path()).expect("set");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).expect("jsonl");
            let s = v["text"].as_str().expect("text");
            for pre in ["", "\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9}\u{00e9} said: \u{2018}", "\u{201c}"] {
                let full = format!("{pre}{s}");
                for (i, _) in full.char_indices().step_by(3) {
                    let mut out = Vec::new();
                    lint_text(&full[i..], "x", "description", &cfg, &mut out);
                    lint_text(&full[..i], "x", "description", &cfg, &mut out);
                    n += 1;
                }
            }
        }
    }
    assert!(n > 1000);
}

/// Precision and recall of an independent set, without printing its sentences (the set below
/// stays unseen by whoever tunes the vocabulary: only the figures are shown).
fn independent(file: &str) -> Score {
    let alone = evaluate_with(file, &vocabulary_alone());
    eprintln!("{file}, vocabulary alone: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", alone.precision(), alone.recall(), alone.tp, alone.fp, alone.fn_, alone.tn);
    let s = evaluate(file);
    eprintln!("{file}: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    // Misses by class only (the class is the label's, not a sentence).
    let mut by_class = std::collections::BTreeMap::<String, usize>::new();
    for m in s.misses.iter().filter_map(|m| m.strip_prefix("FN [")) {
        *by_class.entry(m.split(']').next().unwrap_or("").trim_matches('"').to_owned()).or_default() += 1;
    }
    eprintln!("{file}: missed by class {by_class:?}");
    // False alarms by what raised them (a code, or the model's head), never the sentences.
    eprintln!("{file}: false alarms by code {:?}", s.alarms);
    s
}

/// Precision and recall of a set that was an independent set and is now tuned and trained on:
/// both figures, as for an independent set, and its misses (it is no longer unseen).
fn tuned_on(file: &str) -> Score {
    let s = independent(file);
    for m in &s.misses {
        eprintln!("{file} {m}");
    }
    s
}

#[test]
fn blind8_set_precision_and_recall() {
    // 82 blocking / 98 clean sentences written by a helper who never saw the vocabulary, the
    // code or any earlier set (military INTSUMs, Arabic- and Turkish-translated liaison prose,
    // parliamentary oversight, NGO security advisories, hurried texts, Indian English police
    // prose, prison intelligence). Measured untuned twice: with the fifth-round vocabulary,
    // precision 0.835, recall 0.805 (tp 66 fp 13 fn 16 tn 85); after the sixth round (tuned on
    // blind7 only), precision 0.869, recall 0.890 (tp 73 fp 11 fn 9 tn 87). Its misses by class,
    // which the seventh round tuned on (by class, not by sentence): HTS records and base
    // stations, "the wire went live", unquoted speech after "says to the driver -" and "He swore
    // to them, We ...", "timed for 1615", "planned for 14.30", "2130-2200L", a UPI address, an IP
    // address rented by the accused under his own name. False alarms: an intercepted missile's
    // debris, air defence intercepting drones, a combined drone and infantry attack, the
    // adversary's own reconnaissance drones, "we continue monitoring the security environment",
    // partner agencies asked to confirm receipt, warnings issued to foreign partners, prisoners
    // as the subject of an assessment, newspapers citing security sources.
    let s = evaluate("blind8.jsonl");
    for m in &s.misses {
        eprintln!("blind8 {m}");
    }
    eprintln!("blind8: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    // After the seventh round: precision 1.000, recall 1.000 (tp 82 fp 0 fn 0 tn 98). A
    // regression guard now, with floors just below that.
    assert!(s.recall() >= 0.97 && s.precision() >= 0.97, "blind8 set regressed");
}

#[test]
fn blind9_set_precision_and_recall() {
    // 82 blocking / 98 clean sentences by the same independent writer in other styles
    // (airport security notices, corporate threat intelligence, analysts' e-mails, minutes,
    // verbless bullets, Spanish- and German-translated liaison prose, Australian and South
    // African English, border guards, fusion centres, counter-drug reporting). Never tuned on.
    // Fifth-round vocabulary: precision 0.919, recall 0.695 (tp 57 fp 5 fn 25 tn 93); after
    // the sixth round: precision 0.923, recall 0.732 (tp 60 fp 5 fn 22 tn 93); after the
    // seventh (tuned on blind8 only): precision 0.955, recall 0.768 (tp 63 fp 3 fn 19 tn 95).
    // Its misses by class, which the eighth round tuned on (by class, not by sentence): a
    // Discord tag "name#4471", an Australian "rego", "TI product on the phone", "product from
    // the lines", an online search under section 100b StPO, section 205 records for a
    // cellphone, a go-fast held on radar by a patrol aircraft, "we've got access", our sinkhole;
    // an employee who reports to the police, a source note ("reporting individual: ex-girlfriend
    // of the driver, in contact since March, expenses paid"), information from a cousin, our
    // researcher's persona; a bikie president telling his members, "the head of the clan told
    // his lieutenants", German single quotation marks; "between 1100 and 1130 before
    // marching", "handover ~2315". False alarms: endpoint protection intercepting a macro, an
    // unauthorised drone reported by air traffic control, press reports citing people familiar
    // with the matter. Left alone: an "operator IP" used to reach victims' VPNs (an indicator
    // by the lints' rule: IP addresses are released on purpose unless attributed to a person).
    let s = evaluate("blind9.jsonl");
    for m in &s.misses {
        eprintln!("blind9 {m}");
    }
    eprintln!("blind9: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    // After the eighth round: precision 1.000, recall 0.988 (tp 81 fp 0 fn 1 tn 98). A
    // regression guard now, with floors just below that.
    assert!(s.recall() >= 0.97 && s.precision() >= 0.97, "blind9 set regressed");
}

#[test]
fn blind10_set_precision_and_recall() {
    // 81 blocking / 99 clean sentences by the independent writer after the sixth round (Persian-
    // and Urdu-translated prose, naval and coastguard signals, election security, rail and
    // metro security, water and SCADA operators, Nigerian English, voice-memo transcripts,
    // exercise injects). Never tuned on. Sixth-round vocabulary: precision 0.886, recall 0.765
    // (tp 62 fp 8 fn 19 tn 91); seventh: precision 0.889, recall 0.790 (tp 64 fp 8 fn 17 tn 91);
    // eighth (tuned on blind9 only): precision 0.901, recall 0.790 (tp 64 fp 7 fn 17 tn 92);
    // ninth (tuned on blind12 only): precision 0.903, recall 0.802 (tp 65 fp 7 fn 16 tn 92);
    // tenth (tuned on blind13 only): the same. With the model (eleventh round; never trained on
    // this set): precision 0.890, recall 0.901 (tp 73 fp 9 fn 8 tn 90) with its first two heads;
    // 0.876 / 0.963 (tp 78 fp 11 fn 3 tn 88) with the quote and time heads.
    let s = independent("blind10.jsonl");
    assert!(s.recall() >= 0.95 && s.precision() >= 0.86, "blind10 set below its floors");
}

#[test]
fn blind11_set_precision_and_recall() {
    // 81 blocking / 99 clean sentences by the same writer (Indonesian-, Portuguese-, Italian-,
    // Ukrainian-, Hebrew- and Chinese-translated prose, VIP protection, incident-response
    // timelines, sanctions and financial intelligence, training material, UN panel reports,
    // long-form journalism, Kenyan, Irish, Scottish, Singaporean and Canadian English, ticket
    // comments). Never tuned on. Sixth-round vocabulary: precision 0.890, recall 0.802 (tp 65
    // fp 8 fn 16 tn 91); seventh: precision 0.929, recall 0.802 (tp 65 fp 5 fn 16 tn 94);
    // eighth (tuned on blind9 only): precision 0.943, recall 0.815 (tp 66 fp 4 fn 15 tn 95);
    // ninth (tuned on blind12 only): precision 0.944, recall 0.840 (tp 68 fp 4 fn 13 tn 95);
    // tenth (tuned on blind13 only): the same. With the model (eleventh round; never trained on
    // this set): precision 0.938, recall 0.938 (tp 76 fp 5 fn 5 tn 94) with its first two heads;
    // 0.940 / 0.975 (tp 79 fp 5 fn 2 tn 94) with the quote and time heads.
    let s = independent("blind11.jsonl");
    assert!(s.recall() >= 0.96 && s.precision() >= 0.92, "blind11 set below its floors");
}

#[test]
fn round7_set_precision_and_recall() {
    // 36 blocking / 24 clean sentences written in the seventh round as variants of its classes
    // in other words (toll records, IPDR, communications data, an intervened line, a probe gone
    // live, prisoners' letters, full-motion video, ISR overwatch, shadowing, intercepted calls,
    // drones filming; a cooperating bookkeeper or driver, effective remorse, an approver, a
    // V-person, a person of trust, CS-1 and the CI, a prisoner who told staff; speech after
    // "tells the others -", "said to her brother:", "told the recruits, You ..."; "scheduled for
    // 2245", "set for 9.40", "0115L and 0145L", "0540J", "RV: 2330", "around 10ish"; a UPI
    // handle, a paypal.me link, an IP leased by the suspect with his own passport) and hard
    // negatives (navy units intercepting a skiff, fragments of an intercepted rocket, a drone and
    // mortar assault, the insurgents' own drones, police drones to patrol a procession, the
    // army's drone strikes, our watch on the threat picture, partner services asked to
    // acknowledge, alerts issued to allied services, a detainee released on bail, Reuters citing
    // sources, seized phones counted, CCTV images released or retained, "numbers 2500-3000", an
    // advisory published and updated at stated times, State Department and Foreign Office travel
    // advice in quotes, no visibility of your network, an accountant cooperating with a
    // smuggling network, "planned for 1200 households", a public figure's words after a comma, an
    // IP address with no person). Before the round: precision 0.158, recall 0.083 (tp 3 fp 16 fn
    // 33 tn 8); after: 1.000 / 1.000. Tuned alongside, so a regression guard, not an estimate.
    let s = evaluate("round7.jsonl");
    for m in &s.misses {
        eprintln!("round7 {m}");
    }
    eprintln!("round7: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    assert!(s.recall() >= 0.95 && s.precision() >= 0.95, "round7 set regressed");
}

#[test]
fn blind12_set_precision_and_recall() {
    // 81 blocking / 99 clean sentences (53 hard negatives) by a new independent writer who
    // never saw the vocabulary, the code or any earlier set, written after the seventh round
    // (Gulf- and Levant-Arabic-translated service prose, Sahel and Horn of Africa reporting,
    // maritime piracy shorthand, stadium, festival, hospital and school security, indictment
    // wording, British surveillance slang, Nigerian English, analysts' chat with typos,
    // headlines, verbless bullets). Seventh-round vocabulary: precision 0.886, recall 0.765 (tp
    // 62 fp 8 fn 19 tn 91); eighth (tuned on blind9 only): precision 0.887, recall 0.778 (tp 63
    // fp 8 fn 18 tn 91). Its misses by class, which the ninth round tuned on (by class, not by
    // sentence): banking returns under a confidential monitoring order, letters opened, copied
    // and resealed at a sorting office, an officer operating under cover as a supplier; a herder
    // who provides information to the battalion in exchange for fuel, information brought by an
    // attacker's sister who came to the police of her own accord, a crew member recruited by us,
    // a nurse on the service's books tasked to report; a final note that "reads in part —",
    // "the commander's instruction ... was blunt —", "Written on the back of the circuit diagram
    // in the bomb-maker's hand:", a cell official who told the members that the operation is
    // "..."; a named person's home connection with an IP address, "Dubai plate N 48213", "his
    // snap is ...", "goes by shadow_of_uhud.07", an EVC Plus account number; "half 8 tonight",
    // "c. 0215L". False alarms: jihadist chatter on public forums, a headline's "Security
    // Sources Fear", partner services as the addressees of advice, a festival's public safety
    // line, the UN Secretary-General calling a strike "...", a motto painted above a stadium
    // gate, a group's claim on its official channel, the broadcast time of a king's address.
    // Labels all look right under the lint definitions.
    let s = evaluate("blind12.jsonl");
    for m in &s.misses {
        eprintln!("blind12 {m}");
    }
    eprintln!("blind12: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    // After the ninth round: precision 1.000, recall 1.000 (tp 81 fp 0 fn 0 tn 99). A
    // regression guard now, with floors just below that.
    assert!(s.recall() >= 0.97 && s.precision() >= 0.97, "blind12 set regressed");
}

#[test]
fn blind13_set_precision_and_recall() {
    // 81 blocking / 99 clean sentences (52 hard negatives) by the same writer (French- and
    // Russian-translated liaison notes, cartel, Balkan and Caucasus police reporting, aviation
    // and cargo security, insider threats, imageboard and gaming-platform milieus, lone actors,
    // hostage negotiation, diplomatic protection, tabletop notes, inspector-general reports, a
    // podcast transcript; Indian, Filipino and South African English). Never tuned on.
    // Seventh-round vocabulary: precision 0.852, recall 0.852 (tp 69 fp 12 fn 12 tn 87); the
    // same after the eighth (tuned on blind9 only); ninth (tuned on blind12 only): precision
    // 0.863, recall 0.852 (tp 69 fp 11 fn 12 tn 88). Its misses by class, which the tenth round
    // tuned on (by class, not by sentence): a Discord member who "is ours" and screenshots the
    // planning channel for us, a ramp agent who has been reporting to the airport police, a
    // committee member who has been helping the regional security officer, "a source of the
    // Service, placed in the immediate entourage", a halcón who switched sides and now gives the
    // state police the lookouts' positions, a colleague who confidentially told corporate
    // security; countersurveillance officers and a follow team that housed a man, a concealed
    // camera fitted by a security team, endpoint monitoring on an engineer's workstation and his
    // keystrokes logged; a CLABE account number, a Steam profile link; "ETA at target: 1340L".
    // False alarms: signals intelligence discussed in an academic study, an all-staff e-mail
    // and an airport notice in quotation marks, a headline's "Insider Sabotage", a recommendation
    // to the partner service, a banner photographed by the press, a plant's advertised shift
    // hours, a defector's published memoir, an aircraft followed on public flight-tracking
    // sites, open-source researchers geolocating a video, a "non-allied service" in a tabletop
    // objective. Labels all look right under the lint definitions.
    let s = evaluate("blind13.jsonl");
    for m in &s.misses {
        eprintln!("blind13 {m}");
    }
    eprintln!("blind13: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    // After the tenth round: precision 1.000, recall 1.000 (tp 81 fp 0 fn 0 tn 99). A
    // regression guard now, with floors just below that.
    assert!(s.recall() >= 0.97 && s.precision() >= 0.97, "blind13 set regressed");
}

#[test]
fn round8_set_precision_and_recall() {
    // 37 blocking / 26 clean sentences written in the eighth round, all before its changes, as
    // variants of its classes in other words (a BattleTag and Discord tags, TI material, product
    // off the lines, the yield from the wires, section 100a of the Code of Criminal Procedure, an
    // Online-Durchsuchung, a remote search authorised by a judge, section 205 subpoena results,
    // data for a smartphone, a coastguard plane and a border helicopter with radar and thermal
    // camera, "we've been reading", "we're monitoring", our honeypot and sinkholed domain;
    // "between 0215 and 0240 after", "RV ~0130", "c.2340", "~0445,"; a club president, a
    // chairman and a mayor's nephew speaking to their crews, "the leader of the crew told his
    // runners", "one of the brothers told the driver", German single quotes; a cleaner who
    // passes information to the police, a worker who talks to detectives, a "reporting person"
    // note, a tip via the bookkeeper's sister, word from a brother-in-law, our analyst's sock
    // puppet, an ex-treasurer in contact since last year; "WA rego", a "Kennzeichen") and hard
    // negatives (endpoint detection and a mail gateway intercepting malicious mail, unauthorised
    // and rogue drones at airports, "people familiar with the matter" in the press, presidents
    // speaking to reporters and parliament, "issue #4471", "Ticket#2210", radar coverage at an
    // airport, a navy tracking a missile on radar, "between 1100 and 1300 migrants", "estimated
    // at ~1500", a gang president jailed, customers who report fraud to the police, an actor's
    // persona on a forum, a rego check, a chairman's speech, published honeypot data, a
    // ministry's radar tracking a drone, "We've published guidance"). Before the round:
    // precision 0.538, recall 0.189 (tp 7 fp 6 fn 30 tn 20); after: 1.000 / 1.000. Tuned
    // alongside, so a regression guard, not an estimate.
    let s = evaluate("round8.jsonl");
    for m in &s.misses {
        eprintln!("round8 {m}");
    }
    eprintln!("round8: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    assert!(s.recall() >= 0.95 && s.precision() >= 0.95, "round8 set regressed");
}

#[test]
fn round9_set_precision_and_recall() {
    // 37 blocking / 25 clean sentences written in the ninth round, all before its changes, as
    // variants of its classes in other words (a residential line allocated an IP address, a
    // home router that an IP resolves to, a Sharjah plate and Kuwaiti plates in digits, "his
    // insta is", "goes by", "calls himself", a Zaad account, an IBAN, "his psn is"; "half 10
    // tonight", "half 7 in the morning", "c.0340L", "sighted 2240L", "departed ... ca. 0510J"; a
    // text that "reads in full —", a voicemail that "went roughly:", an order that "was clear:",
    // instructions that "were short —", "Scrawled inside the cover of his notebook:", "in the
    // courier's handwriting:", a recruiter who told the members that the campaign would be
    // '...', a leader who assured his followers that the operation would be '...'; account
    // records under a customer information order, bank statements under a sealed order, parcels
    // steamed open and resealed, post opened and copied, a detective working under cover, an
    // agent posing as a buyer; a fisherman who passes information to the navy for diesel, a
    // shopkeeper providing intelligence to the gendarmerie, a tip passed on by an aunt who came
    // of her own free will, details provided by a driver's wife, a cook recruited by our
    // service, a guard run by us, a receptionist on police books tasked to watch, a mechanic
    // tasked with befriending) and hard negatives (extremist and online chatter on open
    // platforms, the Pope and a mayor calling an attack '...', Amnesty describing a raid as
    // '...', slogans written on a banner or stencilled on walls, a movement's statement on its
    // official website, a police hotline, freephone and public enquiry numbers, military and
    // diplomatic sources quoted by the press, partner agencies and liaison partners advised,
    // the airing time of a president's address and a minister's interview, gunmen posing as
    // police, "under cover of darkness", hostages released in exchange for ransom, a letter
    // bomb opened by a clerk, a kunya one goes by, our own tasking). Before the round: precision
    // 0.143, recall 0.054 (tp 2 fp 12 fn 35 tn 13); after: 1.000 / 1.000. Tuned alongside, so a
    // regression guard, not an estimate.
    let s = evaluate("round9.jsonl");
    for m in &s.misses {
        eprintln!("round9 {m}");
    }
    eprintln!("round9: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    assert!(s.recall() >= 0.95 && s.precision() >= 0.95, "round9 set regressed");
}

#[test]
fn blind14_set_precision_and_recall() {
    // 81 blocking / 99 clean sentences (about 57 hard negatives) by a third independent writer
    // who never saw the vocabulary, the code or any earlier set, written after the ninth round
    // (Japanese-, Korean- and Turkish-translated official prose, European police liaison
    // messages, Gulf of Guinea piracy reports, mining-site, campus and religious-site security,
    // court transcripts in question and answer, sentencing remarks, duty officers' texts,
    // spreadsheet rows pasted as text; Australian and Kenyan English; "8 o'clock 30 minutes",
    // "15 hours 20 minutes", "3 in the arvo"). Never tuned on. Ninth-round vocabulary:
    // precision 0.817, recall 0.827 (tp 67 fp 15 fn 14 tn 84); tenth (tuned on blind13 only):
    // precision 0.838, recall 0.827 (tp 67 fp 13 fn 14 tn 86). With the model (eleventh round;
    // never trained on this set): precision 0.806, recall 0.926 (tp 75 fp 18 fn 6 tn 81) with its
    // first two heads; 0.817 / 0.938 (tp 76 fp 17 fn 5 tn 82) with the quote and time heads.
    let s = independent("blind14.jsonl");
    assert!(s.recall() >= 0.92 && s.precision() >= 0.80, "blind14 set below its floors");
}

#[test]
fn blind15_set_precision_and_recall() {
    // 82 blocking / 98 clean sentences (about 54 hard negatives) by the same writer (Polish-,
    // Swahili- and Amharic-translated prose with their ways of counting hours, Strait of
    // Malacca reports, oil platforms, rail and bus operators, election observers, aid agencies,
    // trust-and-safety escalations, parliamentary evidence, memoirs, numbered lists, questions,
    // conditionals and negations; Jamaican, Pakistani and Malaysian English; public hotlines,
    // flight, train and vessel numbers and timetables as hard negatives). Never tuned on.
    // Ninth-round vocabulary: precision 0.855, recall 0.793 (tp 65 fp 11 fn 17 tn 87); tenth
    // (tuned on blind13 only): precision 0.857, recall 0.805 (tp 66 fp 11 fn 16 tn 87). With the
    // model (eleventh round; never trained on this set): precision 0.869, recall 0.890 (tp 73 fp
    // 11 fn 9 tn 87) with its first two heads; 0.874 / 0.927 (tp 76 fp 11 fn 6 tn 87) with the
    // quote and time heads.
    let s = independent("blind15.jsonl");
    assert!(s.recall() >= 0.91 && s.precision() >= 0.86, "blind15 set below its floors");
}

#[test]
fn round10_set_precision_and_recall() {
    // 29 blocking / 24 clean sentences written in the tenth round, all before its changes, as
    // variants of its classes in other words (an admin of the group who is ours, a quartermaster
    // who is one of ours, a baggage handler passing information to the border police, a cleaner
    // reporting to a hotel's security manager, a student assisting the embassy's security
    // officer, a source of the Directorate, a source placed in a commander's entourage, a lookout
    // who changed sides and now feeds the army, a co-worker who quietly told compliance, a
    // neighbour who discreetly informed the gendarmes; a follow team that housed a courier,
    // counter-surveillance officers, a foot team and a static observation post, a pinhole camera
    // hidden by investigators, a concealed camera, user-activity monitoring on a laptop, a
    // keylogger on his terminal, his keystrokes logged, screenshots for us; CLABE, sort code and
    // CBU numbers, Twitch, Steam and Reddit profile links; "Time on target: 0215", "Arrival at
    // the RV: 2340L", "ETA at the border crossing: 0530", "H-hour (local): 0400") and hard
    // negatives (human intelligence and SIGINT in general, a company-wide e-mail, station signs
    // and a ministry circular in quotation marks, insider threat and insider sabotage, partner
    // services and a liaison partner advised, graffiti photographed by reporters, a car filmed
    // by bystanders, advertised and posted shift hours, a former informant's memoir and a
    // defector's autobiography, ships and jets tracked on public sites, open-source
    // geolocation of videos and photos, a non-allied service, officers who switched sides in a
    // mutiny, a confidential ethics hotline, a follow-up team, endpoint monitoring recommended in
    // a vendor's guide). Before the round: precision 0.308, recall 0.276 (tp 8 fp 18 fn 21 tn 6);
    // after: 1.000 / 1.000. Tuned alongside, so a regression guard, not an estimate.
    let s = evaluate("round10.jsonl");
    for m in &s.misses {
        eprintln!("round10 {m}");
    }
    eprintln!("round10: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    assert!(s.recall() >= 0.95 && s.precision() >= 0.95, "round10 set regressed");
}

#[test]
fn blind16_set_precision_and_recall() {
    // 81 blocking / 99 clean sentences (64 hard negatives) by a fourth independent writer who
    // never saw the vocabulary, the code or any earlier set, written after the tenth round
    // (Spanish-, Brazilian-Portuguese- and Japanese-translated police prose, prosecutors' memos,
    // Polish and Czech liaison notes, kidnap-and-ransom consultants, casino and anti-money-
    // laundering compliance, campus threat assessment, wildlife and antiquities trafficking,
    // transit police radio logs, analysts' chat threads, SMS-style notes). Unseen until the
    // twelfth round. First measurement: tenth-round vocabulary alone, precision 0.767, recall 0.815
    // (tp 66 fp 20 fn 15 tn 79); with the model, precision 0.771, recall 0.914 (tp 74 fp 22 fn 7
    // tn 77) with its first two heads; 0.788 / 0.963 (tp 78 fp 21 fn 3 tn 78) with the quote and
    // time heads. Tuned and trained on in the twelfth round (no longer unseen): vocabulary alone
    // 0.957 / 0.815, with the model 0.963 / 0.963 (tp 78 fp 3 fn 3 tn 96).
    let s = tuned_on("blind16.jsonl");
    assert!(s.recall() >= 0.95 && s.precision() >= 0.95, "blind16 set below its floors");
}

#[test]
fn blind17_set_precision_and_recall() {
    // 81 blocking / 99 clean sentences (62 hard negatives) by the same writer (Thai-, Malay-,
    // Turkish- and Amharic-translated service prose, ship security officers' logs, oil and gas
    // site security, online child-protection investigators, extortion of shop owners, notices,
    // parliamentary questions, lawyers' disclosure letters, handover bullets, long sentences
    // with subordinate clauses, Australian, New Zealand and Caribbean English). Unseen until
    // the twelfth round. First measurement: tenth-round vocabulary alone, precision 0.770, recall
    // 0.827 (tp 67 fp 20 fn 14 tn 79); with the model, precision 0.779, recall 0.914 (tp 74 fp 21
    // fn 7 tn 78) with its first two heads; 0.794 / 0.951 (tp 77 fp 20 fn 4 tn 79) with the
    // quote and time heads. Tuned and trained on in the twelfth round (no longer unseen):
    // vocabulary alone 0.957 / 0.827, with the model 0.964 / 0.988 (tp 80 fp 3 fn 1 tn 96).
    let s = tuned_on("blind17.jsonl");
    assert!(s.recall() >= 0.95 && s.precision() >= 0.95, "blind17 set below its floors");
}

#[test]
fn round11_set_precision_and_recall() {
    // 24 blocking / 40 clean sentences written in the eleventh round: a release's own analytic
    // prose ("Reporting indicates that ...", "we assess", "the cell has been tasked by its
    // leadership", the plotters' own phones), which the first model flagged (13 of the clean
    // ones were probed with it before the set was written), and modality and sources said in
    // the same register. Before the model was trained on it: vocabulary alone precision 0.880,
    // recall 0.917 (tp 22 fp 3 fn 2 tn 37); with the first model 0.727 / 1.000 (tp 24 fp 9 fn 0
    // tn 31). Trained on since (so a regression guard, not an estimate): 0.889 / 1.000, the
    // three false alarms left the vocabulary's ("Reliable reporting", "Members of the cell",
    // "encrypted messaging"), left alone.
    let alone = evaluate_with("round11.jsonl", &vocabulary_alone());
    eprintln!("round11, vocabulary alone: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", alone.precision(), alone.recall(), alone.tp, alone.fp, alone.fn_, alone.tn);
    let s = evaluate("round11.jsonl");
    for m in &s.misses {
        eprintln!("round11 {m}");
    }
    eprintln!("round11: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    assert!(s.recall() >= 0.95 && s.precision() >= 0.85, "round11 set regressed");
}

#[test]
fn round12_set_precision_and_recall() {
    // 24 blocking / 39 clean sentences written in the twelfth round, all before its changes, as
    // variants in other words of the false alarms and misses of `blind16`-`blind19` (record
    // keeping and statistics, verdicts and inventories with "recorded"; vessels and people
    // intercepted by patrols, a mayday call; scandals and laws about tapping; published
    // satellite photos, photographs and briefings; regulators' suspicious activity reports, SIM
    // registration, the adversary's burner handsets and encrypted apps, stolen and converted
    // drones; whistleblower laws, informant reward programmes, a defector and a former militant
    // speaking in public, an undercover journalist, a dog handler, a newspaper's sources;
    // broadcast, office, ferry, fixture and siren times; a commissioner, an opposition leader, a
    // church and a spokesman quoted, our own wording for a partner) and the same classes said
    // as blocking. Before the round: vocabulary alone precision 0.380, recall 0.792 (tp 19 fp
    // 31 fn 5 tn 8); with the model 0.377 / 0.833 (tp 20 fp 33 fn 4 tn 6). After the round
    // (trained on since, so a regression guard, not an estimate): vocabulary alone 0.955 /
    // 0.875, with the model 0.957 / 0.917 (tp 22 fp 1 fn 2 tn 38); the false alarm left is an
    // air-raid siren test ("raid" is an attack word, so its time stays reported). On review the
    // round's exemption for "our own wording for a partner" ("partner version", "let's say")
    // was taken out: it let any quotation through in a sentence that named a partner version
    // ("The partner version should not include his words: '...'"), which fails open. Since: with
    // the model 0.917 / 0.917 (tp 22 fp 2 fn 2 tn 37), the second false alarm that sentence.
    let alone = evaluate_with("round12.jsonl", &vocabulary_alone());
    eprintln!("round12, vocabulary alone: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", alone.precision(), alone.recall(), alone.tp, alone.fp, alone.fn_, alone.tn);
    for m in &alone.misses {
        eprintln!("round12 alone {m}");
    }
    let s = evaluate("round12.jsonl");
    for m in &s.misses {
        eprintln!("round12 {m}");
    }
    eprintln!("round12: precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})", s.precision(), s.recall(), s.tp, s.fp, s.fn_, s.tn);
    assert!(s.recall() >= 0.9 && s.precision() >= 0.9, "round12 set regressed");
}

#[test]
fn blind18_set_precision_and_recall() {
    // 81 blocking / 99 clean sentences (about 74 hard negatives) by a fifth independent writer
    // who never saw the vocabulary, the model, the code or any earlier set, written after the
    // model's last change (Korean-, Vietnamese-, Farsi- and Hausa-translated police and service
    // prose, customs and border bulletins, airline, airport and hotel security, football
    // intelligence, organised retail crime, drone incidents, municipal emergency management,
    // analysts' short posts; Indian and Nigerian English). Unseen until the twelfth round. Measured
    // once, with the model as committed: precision 0.780, recall 0.963 (tp 78 fp 22 fn 3 tn 77);
    // the vocabulary alone 0.756 / 0.802 (tp 65 fp 21 fn 16 tn 78). Tuned and trained on in the
    // twelfth round (no longer unseen): vocabulary alone 0.957 / 0.815, with the model 0.964 /
    // 0.988 (tp 80 fp 3 fn 1 tn 96).
    let s = tuned_on("blind18.jsonl");
    assert!(s.recall() >= 0.95 && s.precision() >= 0.95, "blind18 set below its floors");
}

#[test]
fn blind19_set_precision_and_recall() {
    // 81 blocking / 99 clean sentences (about 70 hard negatives) by the same writer (Georgian-,
    // Serbian-, Maghreb-Arabic- and Tagalog-translated prose, inquest findings, press-office
    // drafts before redaction, an internal audit of a counter-terrorism unit, prison liaison
    // notes, church and synagogue security committees, port-state control, sanctions screening,
    // unpunctuated voice-to-text; South African and Irish English). Unseen until the twelfth round.
    // Measured once, with the model as committed: precision 0.736, recall 0.963 (tp 78 fp 28 fn
    // 3 tn 71); the vocabulary alone 0.817 / 0.827 (tp 67 fp 15 fn 14 tn 84): the model's false
    // alarms outnumber the vocabulary's here. Tuned and trained on in the twelfth round (no
    // longer unseen): vocabulary alone 0.986 / 0.852, with the model 0.988 / 0.988 (tp 80 fp 1
    // fn 1 tn 98).
    let s = tuned_on("blind19.jsonl");
    assert!(s.recall() >= 0.95 && s.precision() >= 0.95, "blind19 set below its floors");
}

#[test]
fn blind20_set_precision_and_recall() {
    // 81 blocking / 99 clean sentences (60 hard negatives) by a sixth independent writer who
    // never saw the vocabulary, the model, the code or any earlier set, written in session 9
    // before any change to the lints (maritime security advisories, prison intelligence
    // summaries, election-security briefings, counter-narcotics tasking notes, NGO security
    // incident reports; Philippine, Ethiopian, Colombian, Ukrainian and Bangladeshi names and
    // places). Never tuned or trained on. Measured once, with the model as committed: precision
    // 0.848, recall 0.963 (tp 78 fp 14 fn 3 tn 85); the vocabulary alone 0.864 / 0.938 (tp 76
    // fp 12 fn 5 tn 87).
    let s = independent("blind20.jsonl");
    assert!(s.recall() >= 0.95 && s.precision() >= 0.84, "blind20 set below its floors");
}

#[test]
fn blind21_set_precision_and_recall() {
    // 81 blocking / 99 clean sentences (60 hard negatives) by the same writer (parliamentary
    // oversight summaries, energy-sector ISAC bulletins, border-police liaison notes,
    // financial-intelligence unit reports, transit-police threat notes; Turkish, Kenyan,
    // Peruvian, Moroccan, Kazakh and Sri Lankan names and places). Never tuned or trained on.
    // Measured once, with the model as committed: precision 0.868, recall 0.975 (tp 79 fp 12 fn
    // 2 tn 87); the vocabulary alone 0.881 / 0.914 (tp 74 fp 10 fn 7 tn 89).
    let s = independent("blind21.jsonl");
    assert!(s.recall() >= 0.95 && s.precision() >= 0.86, "blind21 set below its floors");
}

#[test]
fn blind22_set_precision_and_recall() {
    // 81 blocking / 99 clean sentences (55 hard negatives) by a seventh independent writer who
    // never saw the vocabulary, the model, the code or any earlier set, written after the
    // twelfth round (a national CERT's incident advisories, railway and metro security
    // briefings, wildlife-trafficking task force notes, consular crisis-cell cables, a mining
    // company's security reports; Indonesian, Nigerian, Chilean, Polish and Egyptian names and
    // places). Never tuned or trained on. Measured once, with the twelfth-round vocabulary and
    // model: precision 0.821, recall 0.963 (tp 78 fp 17 fn 3 tn 82); the vocabulary alone 0.822 /
    // 0.914 (tp 74 fp 16 fn 7 tn 83).
    let s = independent("blind22.jsonl");
    assert!(s.recall() >= 0.95 && s.precision() >= 0.82, "blind22 set below its floors");
}

#[test]
fn blind23_set_precision_and_recall() {
    // 81 blocking / 99 clean sentences (55 hard negatives) by the same writer (festival and
    // stadium safety-group minutes, port-authority circulars, anti-kidnap unit notes,
    // counter-extremism referral summaries, a telecom operator's fraud team memos; Indian,
    // Mexican, German, Jordanian, South African and Vietnamese names and places). Never tuned or
    // trained on. Measured once, with the twelfth-round vocabulary and model: precision 0.832,
    // recall 0.975 (tp 79 fp 16 fn 2 tn 83); the vocabulary alone 0.833 / 0.926 (tp 75 fp 15 fn 6
    // tn 84).
    let s = independent("blind23.jsonl");
    assert!(s.recall() >= 0.95 && s.precision() >= 0.83, "blind23 set below its floors");
}
