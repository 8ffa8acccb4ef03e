//! Ingest-and-cluster benchmark: `cargo bench -p tearline-osint` (N articles, default 100,000;
//! override with `OSINT_BENCH_N`). Generates synthetic articles about random events (a tenth of
//! them syndicated copies with light edits, half re-reports of a recent event in other
//! words), then times extraction (on all cores, in batches) and incremental clustering, and
//! prints the per-article cost over the first and the last tenth of the corpus.

use std::time::{Duration, Instant};

use tearline_osint::{Article, Correlator, Day, Extractor, Meta};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.next() % v.len() as u64) as usize]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The corpus grows over time: about this many articles a day (so 100,000 articles span ~3 years).
const ARTICLES_PER_DAY: i32 = 100;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

struct Ev {
    kind: usize,
    place: String,
    actor: String,
    day: Day,
    killed: u64,
}

fn headline(r: &mut Rng, e: &Ev) -> String {
    match e.kind {
        0 => format!("{} plot to bomb target in {} foiled", e.actor, e.place),
        1 => format!("Bombing in {} kills {}", e.place, e.killed),
        2 => format!("Gunmen attack {} , {} dead", e.place, e.killed),
        3 => format!("Police arrest {} suspects in {}", r.below(9) + 2, e.place),
        _ => format!(
            "Officials warn {} is planning attack on {}",
            e.actor, e.place
        ),
    }
}

fn body(r: &mut Rng, e: &Ev, published: Day) -> String {
    let (_, m, d) = e.day.ymd();
    let date = if r.below(2) == 0 {
        format!("on {} {}", MONTHS[m as usize - 1], d)
    } else {
        format!("on {} {}", d, MONTHS[m as usize - 1])
    };
    let rel = if published.0 - e.day.0 <= 1 {
        "yesterday".to_string()
    } else {
        "earlier this month".into()
    };
    let lead = match e.kind {
        0 => format!(
            "Security forces thwarted a plot by {} to attack a crowded market in {} {}, officials said.",
            e.actor, e.place, date
        ),
        1 => format!(
            "A car bomb exploded in {} {}, killing {} people and wounding dozens, according to police.",
            e.place, date, e.killed
        ),
        2 => format!(
            "Gunmen linked to {} opened fire on worshippers in {} {}, killing {} people, witnesses said.",
            e.actor, e.place, date, e.killed
        ),
        3 => format!(
            "Police arrested suspected members of {} in {} {}, the interior ministry said.",
            e.actor, e.place, date
        ),
        _ => format!(
            "Intelligence officials warned that {} is planning an attack targeting a hotel in {} next week.",
            e.actor, e.place
        ),
    };
    let fillers = [
        format!(
            "The group has been active in the region for {} years, analysts said.",
            r.below(15) + 2
        ),
        format!(
            "Residents described scenes of panic {} as ambulances arrived.",
            rel
        ),
        format!(
            "A spokesman for the governor, speaking to reporter number {}, urged calm.",
            r.below(10_000)
        ),
        format!(
            "Authorities increased security at {} checkpoints across the province.",
            r.below(90) + 10
        ),
        format!(
            "The ministry said investigations were continuing and {} people had been questioned.",
            r.below(50) + 3
        ),
        format!(
            "Diplomats from {} countries condemned the violence in a joint statement.",
            r.below(30) + 2
        ),
        format!(
            "Local media published footage said to show the aftermath; its code was {:x}.",
            r.next()
        ),
        format!(
            "Schools in {} districts were closed as a precaution.",
            r.below(12) + 1
        ),
    ];
    let mut s = lead;
    for _ in 0..4 {
        s.push(' ');
        s.push_str(&fillers[r.below(fillers.len() as u64) as usize]);
    }
    s
}

fn main() {
    let n: usize = std::env::var("OSINT_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let ex = Extractor::default();
    let places: Vec<String> = ex
        .gazetteer
        .places
        .iter()
        .filter(|p| p.kind.specificity() >= 4)
        .map(|p| p.name.clone())
        .collect();
    let actors: Vec<String> = ex
        .aliases
        .actors
        .iter()
        .filter(|a| a.kind == tearline_osint::data::ActorKind::ThreatActor)
        .map(|a| a.aliases.first().cloned().unwrap_or_else(|| a.name.clone()))
        .collect();
    let outlets: Vec<String> = (0..200).map(|i| format!("Outlet {i}")).collect();
    // Generate.
    let t0 = Instant::now();
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let base = Day::from_ymd(2022, 1, 1).unwrap();
    let mut events: Vec<Ev> = Vec::new();
    let mut articles: Vec<Article> = Vec::with_capacity(n);
    for i in 0..n {
        let roll = r.below(10);
        if roll == 0 && i > 0 {
            // Syndicated copy with a light edit.
            let src = &articles[(r.below(i as u64 / 10 + 1) as usize) + i - (i / 10 + 1).min(i)];
            let mut a = src.clone();
            a.text = a
                .text
                .replacen("officials said", "officials told reporters", 1)
                .replacen("witnesses said", "witnesses reported", 1);
            a.text.push_str(" (Syndicated.)");
            a.meta.outlet = Some(r.pick(&outlets).clone());
            a.meta.id = Some(format!("a{i}"));
            articles.push(a);
            continue;
        }
        let e = if roll <= 5 && !events.is_empty() {
            let k = events.len() - 1 - r.below(events.len().min(500) as u64) as usize;
            let e = &events[k];
            Ev {
                kind: e.kind,
                place: e.place.clone(),
                actor: e.actor.clone(),
                day: e.day,
                killed: e.killed,
            }
        } else {
            let e = Ev {
                kind: r.below(5) as usize,
                place: r.pick(&places).clone(),
                actor: r.pick(&actors).clone(),
                day: base.plus(i as i32 / ARTICLES_PER_DAY + r.below(3) as i32),
                killed: r.below(60) + 2,
            };
            events.push(Ev {
                kind: e.kind,
                place: e.place.clone(),
                actor: e.actor.clone(),
                day: e.day,
                killed: e.killed,
            });
            e
        };
        let published = e.day.plus(1 + r.below(3) as i32);
        let text = format!(
            "{}\n\n{}",
            headline(&mut r, &e),
            body(&mut r, &e, published)
        );
        articles.push(Article {
            text,
            meta: Meta {
                id: Some(format!("a{i}")),
                outlet: Some(r.pick(&outlets).clone()),
                published: Some(published),
                ..Meta::default()
            },
        });
    }
    let generated = t0.elapsed();
    let bytes: usize = articles.iter().map(|a| a.text.len()).sum();
    println!(
        "generated {n} articles ({:.1} MB) in {:.2?}",
        bytes as f64 / 1e6,
        generated
    );

    // Ingest: extraction in parallel batches, clustering incrementally on this thread.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut corr = Correlator::new(&ex);
    let start = Instant::now();
    let mut extract_t = Duration::ZERO;
    let mut cluster_t = Duration::ZERO;
    let mut seg = Vec::new();
    let tenth = (n / 10).max(1);
    let mut seg_start = Instant::now();
    for batch in articles.chunks(1000) {
        let t = Instant::now();
        let per = batch.len().div_ceil(threads);
        let xs: Vec<_> = std::thread::scope(|s| {
            let hs: Vec<_> = batch
                .chunks(per)
                .map(|c| s.spawn(|| c.iter().map(|a| ex.extract(a)).collect::<Vec<_>>()))
                .collect();
            hs.into_iter()
                .flat_map(|h| h.join().expect("worker"))
                .collect()
        });
        extract_t += t.elapsed();
        let t = Instant::now();
        for x in &xs {
            corr.add(x);
            if corr.len().is_multiple_of(tenth) {
                seg.push(seg_start.elapsed());
                seg_start = Instant::now();
            }
        }
        cluster_t += t.elapsed();
    }
    let total = start.elapsed();
    println!("threads: {threads}");
    println!(
        "ingest+cluster {n} articles: {:.2?} ({:.1} µs/article)",
        total,
        total.as_secs_f64() * 1e6 / n as f64
    );
    println!(
        "  extraction: {:.2?}   clustering: {:.2?} ({:.1} µs/article)",
        extract_t,
        cluster_t,
        cluster_t.as_secs_f64() * 1e6 / n as f64
    );
    println!(
        "  clusters: {}   events generated: {}",
        corr.cluster_count(),
        events.len()
    );
    if let (Some(first), Some(last)) = (seg.first(), seg.last()) {
        println!(
            "  per-article cost, first tenth ({} articles): {:.1} µs; last tenth: {:.1} µs",
            tenth,
            first.as_secs_f64() * 1e6 / tenth as f64,
            last.as_secs_f64() * 1e6 / tenth as f64
        );
    }
    // Cluster-only scaling: the same extractions added to a fresh correlator, timed per tenth.
    let xs: Vec<_> = articles.iter().take(n).map(|a| ex.extract(a)).collect();
    let mut corr = Correlator::new(&ex);
    let mut marks = Vec::new();
    let t = Instant::now();
    let mut last = Duration::ZERO;
    for (i, x) in xs.iter().enumerate() {
        corr.add(x);
        if (i + 1).is_multiple_of(tenth) {
            let now = t.elapsed();
            marks.push(now - last);
            last = now;
        }
    }
    let us: Vec<String> = marks
        .iter()
        .map(|d| format!("{:.1}", d.as_secs_f64() * 1e6 / tenth as f64))
        .collect();
    println!(
        "  clustering only, µs/article per tenth of the corpus: [{}]",
        us.join(", ")
    );
    let summaries = Instant::now();
    let cs = corr.clusters();
    println!(
        "  summaries of {} clusters: {:.2?}",
        cs.len(),
        summaries.elapsed()
    );
}
