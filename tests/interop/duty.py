#!/usr/bin/env python3
"""Duty to warn, end to end: the real server and the real OASIS taxii2-client.

Each scenario (public cases, fixtures in data/demo/) goes over HTTP as the person or partner
who takes the step:

  1. the analyst posts the intelligence with taxii2-client (Collection.add_objects) and waits
     for the status; the server raises a duty-to-warn case from the threat-attribute extension;
  2. the release officer finds the case and decides to warn (management API, Bearer token);
  3. the partner's member, with taxii2-client, discovers the `partners` API root, finds its
     delivery collection and pages through it (as_pages): the warning is there with its
     substance (target, place, time window), and none of the protected source material is
     anywhere in the bytes received; every object received passes stix2-validator;
  4. the partner answers with taxii2-client: a STIX note acknowledging, an opinion (scenario 2),
     a note reporting the outcome;
  5. the release officer reads the case and its timeline back: every step, with its time.

Scenario 3 (Kerman) is the push: the partner (hostile, no diplomatic relations) has no account
here; its warning goes to its own TAXII server (a second tearline instance run.sh starts). An
analyst's attempt to waive on the ground "recipient is hostile" is refused (422); the release
officer decides to warn; Iran's duty officer, with taxii2-client against its own server, reads
the warning from its "Warnings received" collection (substance there, intercept material not).
The missed-acknowledgement escalation is left to the Rust demo test (`tearline demo`): it needs
the 2-hour acknowledgement deadline to pass, which the demo does on a hand-driven clock and a
real server's clock would take two hours to do.

Usage:
  duty.py --discovery http://127.0.0.1:PORT/taxii2/ --setup SETUP.json [--scenario 1 --scenario 2 ...]

SETUP.json (written by run.sh):
  {"analyst": {"user": "ana", "secret": "..."}, "officer": {"user": "rob", "secret": "..."},
   "intel_collection": "<uuid>", "fixtures": "<dir of the demo fixtures>",
   "partners": {"syria-gsd": {"member": "gsd-liaison", "secret": "...",
                              "identity": "identity--...", "collection": "<uuid>"}, ...},
   "recipient": {"discovery": "http://127.0.0.1:PORT2/taxii2/", "collection": "<uuid>",
                 "collection_title": "Warnings received",
                 "reader": {"user": "mois-duty-officer", "secret": "..."}}}
  (member and secret are empty for a partner without a member, iran-mois; "recipient" is the
  partner's own server, needed by scenario 3 only)

The database must be fresh (the fixtures carry fixed ids). Exit status 0 only if every check
passed.
"""

import argparse
import json
import os
import re
import sys
import time
import uuid

import requests
from taxii2client.v21 import Collection, Server, as_pages

from interop import Results, describe_exc, finish, section

NO_ENDORSEMENT = "marking-definition--8eecf7ed-47e5-411e-869d-e17e89c2faf3"
SOURCE_PROTECTED = "marking-definition--5e9d2a9c-0d43-4d0e-9d6b-6c1f3f9a7a01"
THREAT_EXT = "extension-definition--c14747dd-ac3f-4ce3-b3a4-c9e9ee6cefec"
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}")

SCENARIOS = {
    1: {
        "title": "Sayyida Zaynab shrine, Damascus, January 2025",
        "fixture": "sayyida-zaynab-2025.json",
        "partner": "syria-gsd",
        # The substance the warning must keep.
        "target": "Sayyida Zaynab shrine",
        "place": "Sayyida Zaynab",
        "window_start": "2025-01-10",
        # The intercept wording, selectors and collection times: never released.
        "forbidden": ["Intercept", "intercept", "+963", "944 123 456", "356938035643809", "at 21:14", "at 02:10",
                      "source with access", "facilitator"],
        "opinion": None,
        "ack": "Received. Security around the shrine is being reinforced.",
        "outcome": ("foiled", "Cell arrested on 11 January before the attack; explosives seized."),
        "no_endorsement": False,
    },
    2: {
        "title": "Crocus City Hall, Moscow, March 2024",
        "fixture": "crocus-city-hall-2024.json",
        "partner": "russia-fsb",
        "target": "Crocus City Hall",
        "place": "Moscow",
        "window_start": "2024-03-07",
        "forbidden": ["recruited asset", "at 19:40", "human source", "direct access to the planners",
                      "Source reporting"],
        # A hostile partner answers that the warning is too general: no acknowledgement by
        # itself, but a review of the release.
        "opinion": ("disagree", "Too general: no specific venue or date."),
        "ack": None,
        "outcome": ("attack-occurred", "Attack at Crocus City Hall on 22 March."),
        "no_endorsement": True,
    },
    3: {
        "title": "Kerman, Iran, January 2024",
        "fixture": "kerman-2024.json",
        "partner": "iran-mois",
        # Pushed to the partner's own TAXII server (setup["recipient"]), read there.
        "push": True,
        "urgency": "critical",
        "target": "Martyrs' Cemetery",
        "place": "Kerman",
        "window_start": "2024-01-03",
        "forbidden": ["@kerman_op_3", "at 04:22", "Intercepted messages", "Signals collection"],
        "no_endorsement": True,
    },
}


def check_warning(res, sc, st, envelope, report, objects, ids, body, verb):
    """What a recipient received: the warning's substance, none of its sources. Returns the
    manifest report(s) found."""
    res.check("no object twice across pages", len(ids) == len(set(ids)), "duplicates")
    manifest = [o for o in objects if o.get("id") == st["release"]]
    res.check(f"the release's manifest report ({st['release']}) is there", len(manifest) == 1 and manifest[0].get("type") == "report",
              f"ids: {ids}")
    strings = [s for o in objects for s in strings_in(o)]
    res.check(f"the target is there ({sc['target']})", any(sc["target"] in s for s in strings), "not found")
    res.check(f"the place is there ({sc['place']})",
              any(sc["place"] in (o.get("name") or "") for o in objects if o.get("type") == "location")
              or any(sc["place"] in str(v) for o in objects for v in find_key(o, "where")),
              "no location or `where` names it")
    starts = [str(v) for o in objects for v in find_key(o, "window_start")]
    res.check(f"the time window is there (window_start {sc['window_start']})",
              any(s.startswith(sc["window_start"]) for s in starts), f"window_start values: {starts}")
    leaked = [f for f in sc["forbidden"] if f in body]
    where = {f: [o.get("id") for o in objects if f in json.dumps(o, ensure_ascii=False)] for f in leaked}
    res.check(f"none of the {len(sc['forbidden'])} protected strings in the {len(body)} bytes received",
              not leaked, f"leaked: {where}")
    secret_ids = {o["id"] for o in envelope["objects"] if o["type"] == "note"} | {SOURCE_PROTECTED}
    protected = [o.get("id") for o in objects if o.get("id") in secret_ids or SOURCE_PROTECTED in json.dumps(o)]
    res.check(f"nothing source-protected (the intercept note, the marking) was {verb}", not protected,
              f"{protected}")
    res.check(f"the original report (with x_source_detail) was not {verb} as is",
              report["id"] not in ids and "x_source_detail" not in body, "it was")
    return manifest


def stix_now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


def strings_in(value):
    """Every string (keys included) in a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)
    elif isinstance(value, str):
        yield value


def find_key(value, key):
    """Every value of `key` anywhere in a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key:
                yield v
            yield from find_key(v, key)
    elif isinstance(value, list):
        for v in value:
            yield from find_key(v, key)


class Management:
    """The management API as one account (Bearer token)."""

    def __init__(self, base, secret):
        self.base = base.rstrip("/") + "/api/v1"
        self.h = {"Authorization": f"Bearer {secret}", "Accept": "application/json"}

    def get(self, path):
        r = requests.get(self.base + path, headers=self.h, timeout=30)
        r.raise_for_status()
        return r.json()

    def post(self, path, body):
        r = requests.post(self.base + path, headers={**self.h, "Content-Type": "application/json"},
                          data=json.dumps(body), timeout=60)
        r.raise_for_status()
        return r.json()


def run_scenario(res, args, setup, n):
    sc = SCENARIOS[n]
    p = setup["partners"][sc["partner"]]
    base = args.discovery.split("/taxii2")[0]
    rob = Management(base, setup["officer"]["secret"])
    tag = f"duty {n}"
    st = {}

    with open(os.path.join(setup["fixtures"], sc["fixture"]), encoding="utf-8") as f:
        envelope = json.load(f)
    report = next(o for o in envelope["objects"] if o["type"] == "report")
    print(f"\n#### scenario {n}: {sc['title']} (partner {sc['partner']})", flush=True)

    @section(res, f"{tag}: the analyst posts the intelligence (taxii2-client add_objects)")
    def post():
        server = Server(args.discovery, user=setup["analyst"]["user"], password=setup["analyst"]["secret"])
        coll = None
        for root in server.api_roots:
            for c in root.collections:
                if c.id == setup["intel_collection"]:
                    coll = c
        if not res.check("the analyst discovers the intelligence collection", coll is not None,
                         f"{setup['intel_collection']} not under any API root of {args.discovery}"):
            return
        status = coll.add_objects(envelope, wait_for_completion=True, poll_interval=0.2, timeout=30)
        res.eq("status complete", status.status, "complete")
        res.eq(f"all {len(envelope['objects'])} objects stored", (status.success_count, status.failure_count),
               (len(envelope["objects"]), 0))
        st["posted"] = True

    @section(res, f"{tag}: the server raised a case (management API as the release officer)")
    def raised():
        if not st.get("posted"):
            return res.check("the intelligence was posted", False, "see above")
        cases = rob.get("/cases")["cases"]
        mine = [c for c in cases if report["id"] in (c.get("source_object_ids") or [])]
        if not res.eq("exactly one case rests on the report", len(mine), 1):
            return
        case = mine[0]
        st["case"] = case["id"]
        print(f"  case {case['id']}: \"{case.get('title')}\", urgency {case.get('urgency')}, stage {case.get('stage')}")
        res.check("case id is duty-case--<uuid>", re.fullmatch(r"duty-case--[0-9a-f-]{36}", case["id"]) is not None,
                  case["id"])
        res.eq("stage open", case.get("stage"), "open")
        recips = [r.get("partner") for r in case.get("recipients") or []]
        res.check(f"{sc['partner']} is among the recipients", sc["partner"] in recips, f"recipients: {recips}")
        res.eq("author is the analyst", case.get("author"), setup["analyst"]["user"])
        if sc.get("urgency"):
            res.eq(f"urgency {sc['urgency']}", case.get("urgency"), sc["urgency"])

    @section(res, f"{tag}: the release officer decides to warn")
    def decide():
        if "case" not in st:
            return res.check("a case to decide", False, "no case")
        d = rob.post(f"/cases/{st['case']}/decide", {"decision": "warn", "channel": "taxii"})
        rels = d.get("releases") or []
        mine = [r for r in rels if r.get("partner") == sc["partner"]]
        if not res.check(f"a release to {sc['partner']}", len(mine) == 1, f"releases: {rels}"):
            return
        st["release"] = mine[0]["release_id"]
        print(f"  release {st['release']} to {sc['partner']} via {mine[0].get('channel')}")
        res.check("release id is a report id", st["release"].startswith("report--"), st["release"])
        if sc.get("push"):
            res.check("channel: pushed to the partner's own TAXII server (taxii-push:)",
                      str(rels[0].get("channel")).startswith("taxii-push:"), rels[0].get("channel"))
            res.check("the push names the partner's collection",
                      setup["recipient"]["collection"] in str(rels[0].get("channel")), rels[0].get("channel"))
        else:
            res.check("channel: the partner's TAXII collection", str(mine[0].get("channel")).startswith("taxii"),
                      mine[0].get("channel"))

    @section(res, f"{tag}: the partner pulls its warning (taxii2-client, discovery, as_pages)")
    def pull():
        if "release" not in st:
            return res.check("a release to pull", False, "no release")
        raw = []
        server = Server(args.discovery, user=p["member"], password=p["secret"])
        roots = server.api_roots
        partners = [r for r in roots if r.url.rstrip("/").endswith("/partners")]
        if not res.check("discovery lists the partners API root", len(partners) == 1,
                         f"API roots: {[r.url for r in roots]}"):
            return
        root = partners[0]
        # Every body taxii2-client receives on the API root's connection (its collections share
        # it), as bytes.
        root._conn.session.hooks["response"].append(lambda r, *a, **k: raw.append(r.content))
        colls = root.collections
        mine = [c for c in colls if c.id == p["collection"]]
        if not res.check("the partner's delivery collection is listed", len(mine) == 1,
                         f"collections: {[(c.id, c.title) for c in colls]}"):
            return
        coll = mine[0]
        res.check("it is readable and writable by the member", coll.can_read and coll.can_write,
                  f"can_read={coll.can_read} can_write={coll.can_write}")
        others = [c.id for c in colls if c.id != p["collection"]]
        res.check("no other partner's collection is listed", not others, f"also listed: {others}")
        raw.clear()
        objects, pages = [], 0
        for env in as_pages(coll.get_objects, per_request=2):
            pages += 1
            objects.extend(res.got(env).get("objects", []))
            if pages > 100:
                break
        body = b"".join(raw).decode("utf-8", "replace")
        res.check("the bytes received were captured", len(raw) == pages and len(body) > 0,
                  f"{len(raw)} response bodies for {pages} pages, {len(body)} bytes")
        print(f"  {len(objects)} objects in {pages} page(s), {len(body)} bytes")
        for o in objects:
            text = o.get("description") or o.get("content")
            if o.get("type") in ("report", "note") and text:
                print(f"    {o['type']} \"{o.get('name', '')}\": {text}")
        st["objects"] = objects
        res.check("paged (more than one page of 2)", pages > 1, f"{pages} page(s)")
        ids = [o.get("id") for o in objects]
        manifest = check_warning(res, sc, st, envelope, report, objects, ids, body, "released")
        if sc["no_endorsement"]:
            res.check("the release carries the no-endorsement marking",
                      NO_ENDORSEMENT in ids or any(NO_ENDORSEMENT in (o.get("object_marking_refs") or [])
                                                   for o in manifest),
                      f"{NO_ENDORSEMENT} neither among the objects nor on the manifest")
            res.check("the manifest report is marked no-endorsement",
                      any(NO_ENDORSEMENT in (o.get("object_marking_refs") or []) for o in manifest),
                      f"manifest markings: {[o.get('object_marking_refs') for o in manifest]}")

    @section(res, f"{tag}: stix2-validator on every object the partner received")
    def validate():
        from stix2validator import ValidationOptions, validate_parsed_json
        objs = st.get("objects") or []
        if not res.check("objects to validate", bool(objs), "none received"):
            return
        results = validate_parsed_json(objs, ValidationOptions())
        bad = []
        for o, r in zip(objs, results):
            errs = [str(e) for e in (r.errors or [])]
            for w in getattr(r, "warnings", None) or []:
                print(f"  [WARN] {o.get('id')}: {w}")
            if errs or not r.is_valid:
                bad.append(f"{o.get('id')}: {'; '.join(errs)[:300]}")
        res.check(f"{len(objs)} objects valid, no errors", not bad, " | ".join(bad))

    @section(res, f"{tag}: the partner answers (taxii2-client add_objects)")
    def feedback():
        if "release" not in st:
            return res.check("a release to answer", False, "no release")
        coll = Collection(args.discovery.split("/taxii2")[0] + f"/taxii2/partners/collections/{p['collection']}/",
                          user=p["member"], password=p["secret"])

        def send(label, obj):
            status = coll.add_objects({"objects": [obj]}, wait_for_completion=True, poll_interval=0.2, timeout=30)
            res.check(f"{label}: stored (status complete, 1 success)",
                      status.status == "complete" and status.success_count == 1 and status.failure_count == 0,
                      f"{status.status} success={status.success_count} failure={status.failure_count} "
                      f"{getattr(status, 'failures', '')}")
            st.setdefault("feedback", []).append(obj["id"])

        def note(content, outcome=None):
            t = stix_now()
            o = {"type": "note", "spec_version": "2.1", "id": f"note--{uuid.uuid4()}", "created": t,
                 "modified": t, "created_by_ref": p["identity"], "content": content,
                 "object_refs": [st["release"]]}
            if outcome:
                o["x_tearline_outcome"] = outcome
            return o

        if sc["opinion"]:
            t = stix_now()
            send(f"opinion {sc['opinion'][0]}", {
                "type": "opinion", "spec_version": "2.1", "id": f"opinion--{uuid.uuid4()}", "created": t,
                "modified": t, "created_by_ref": p["identity"], "opinion": sc["opinion"][0],
                "explanation": sc["opinion"][1], "object_refs": [st["release"]]})
        if sc["ack"]:
            send("acknowledgement note", note(sc["ack"]))
        send(f"outcome note ({sc['outcome'][0]})", note(sc["outcome"][1], sc["outcome"][0]))
        # The partner reads its own answers back (it authored them).
        got = res.got(coll.get_objects(type="note,opinion"))
        back = {o.get("id") for o in got.get("objects", [])}
        res.check("the partner reads its own answers back", set(st["feedback"]) <= back,
                  f"missing: {set(st['feedback']) - back}")

    @section(res, f"{tag}: the case and its timeline (management API as the release officer)")
    def timeline():
        if "case" not in st:
            return res.check("a case", False, "no case")
        t = rob.get(f"/cases/{st['case']}/timeline")
        c = rob.get(f"/cases/{st['case']}")
        lines = t.get("lines") or []
        print(f"  timeline of {st['case']} (final stage: {c.get('stage')}):")
        for line in lines:
            print(f"    {line}")
        res.eq("as many lines as entries", len(lines), len(t.get("entries") or []))
        res.check("every line starts with its time", lines and all(TIME_RE.match(x) for x in lines),
                  [x for x in lines if not TIME_RE.match(x)])
        res.check("every entry has a time", all(isinstance(e.get("at"), int) and e["at"] > 0
                                                for e in t.get("entries") or []), t.get("entries"))
        want = [("opened", "case opened"), ("decided warn", "decided: warn via taxii"),
                ("published", f"published {st.get('release')}")]
        if sc["opinion"]:
            # An opinion on the release is the acknowledgement (the delivery says how).
            want.append(("opinion (acknowledges)", f"{sc['partner']} opinion on {st.get('release')}: {sc['opinion'][0]}"))
        else:
            want.append(("acknowledged", f"acknowledged by {sc['partner']} ({p['member']}, note)"))
        want.append((f"outcome {sc['outcome'][0]}", f"outcome from {sc['partner']}: {sc['outcome'][0]}"))
        pos = -1
        for label, needle in want:
            at = next((i for i, x in enumerate(lines) if needle in x), None)
            res.check(f"timeline: {label}", at is not None, f"no line contains {needle!r}")
            if at is not None:
                res.check(f"timeline: {label} comes after the previous step", at > pos, f"line {at} <= {pos}")
                pos = max(pos, at)
        times = [e.get("at") for e in t.get("entries") or []]
        res.check("timeline in time order", times == sorted(times), times)
        res.eq("stage", c.get("stage"), "outcome-reported")
        d = (c.get("deliveries") or {}).get(sc["partner"]) or {}
        res.eq(f"delivery to {sc['partner']}: release", d.get("release_id"), st.get("release"))
        res.check(f"delivery to {sc['partner']}: acknowledged (with a time)", bool(d.get("acknowledged_at")), d)
        res.eq(f"delivery to {sc['partner']}: acknowledged by", d.get("acknowledged_by"), p["member"])
        res.eq(f"delivery to {sc['partner']}: acknowledged how", d.get("acknowledged_how"),
               "opinion" if sc["opinion"] else "note")
        res.eq(f"delivery to {sc['partner']}: outcome", d.get("outcome"), sc["outcome"][0])
        if sc["opinion"]:
            reviews = c.get("reviews") or []
            mine = [r for r in reviews if r.get("partner") == sc["partner"]]
            res.check("the release has a review", len(mine) == 1, f"reviews: {reviews}")
            for r in mine:
                print(f"  review: {r.get('partner')} said {r.get('opinion')} ({r.get('comment')})")
                res.eq("review: opinion", r.get("opinion"), sc["opinion"][0])
                res.check("review: the partner's explanation", "too general" in (r.get("comment") or "").lower(),
                          r.get("comment"))
                res.eq("review: of the release", r.get("release_id"), st.get("release"))

    @section(res, f"{tag}: the analyst tries to waive because the recipient is hostile (refused)")
    def hostile_waiver():
        if "case" not in st:
            return res.check("a case to decide", False, "no case")
        ana = Management(base, setup["analyst"]["secret"])
        r = requests.post(f"{ana.base}/cases/{st['case']}/decide",
                          headers={**ana.h, "Content-Type": "application/json"}, timeout=60,
                          data=json.dumps({"decision": "waive", "ground": "recipient-is-hostile",
                                           "justification": "Iran is a hostile state; we do not share with it."}))
        try:
            body = r.json()
        except ValueError:
            body = {}
        err = body.get("error") if isinstance(body, dict) else None
        msg = str(err.get("message") if isinstance(err, dict) else r.text)
        print(f"  refused: HTTP {r.status_code}: {msg}")
        res.eq("HTTP 422", r.status_code, 422)
        res.check("the message says hostility is not a ground",
                  "hostil" in msg.lower() and "not a" in msg.lower() and "ground" in msg.lower(), msg)
        c = rob.get(f"/cases/{st['case']}")
        res.eq("the case is still open", c.get("stage"), "open")

    @section(res, f"{tag}: Iran's duty officer reads the pushed warning on its own server (taxii2-client)")
    def pull_pushed():
        if "release" not in st:
            return res.check("a release to read", False, "no release")
        rc = setup["recipient"]
        raw = []
        server = Server(rc["discovery"], user=rc["reader"]["user"], password=rc["reader"]["secret"])
        coll = None
        for root in server.api_roots:
            if root.url.rstrip("/").endswith("/default"):
                root._conn.session.hooks["response"].append(lambda r, *a, **k: raw.append(r.content))
                for c in root.collections:
                    if c.id == rc["collection"]:
                        coll = c
        if not res.check(f"the \"{rc['collection_title']}\" collection is listed under default", coll is not None,
                         f"{rc['collection']} not under {rc['discovery']}default/"):
            return
        res.eq("its title", coll.title, rc["collection_title"])
        res.check("the duty officer may read it, not write it", coll.can_read and not coll.can_write,
                  f"can_read={coll.can_read} can_write={coll.can_write}")
        # The push is done when the decision answers; allow a moment all the same.
        deadline = time.monotonic() + 10
        while True:
            raw.clear()
            objects, pages = [], 0
            for env in as_pages(coll.get_objects, per_request=2):
                pages += 1
                objects.extend(res.got(env).get("objects", []))
                if pages > 100:
                    break
            if any(o.get("id") == st["release"] for o in objects) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        body = b"".join(raw).decode("utf-8", "replace")
        print(f"  {len(objects)} objects in {pages} page(s), {len(body)} bytes")
        for o in objects:
            text = o.get("description") or o.get("content")
            if o.get("type") in ("report", "note") and text:
                print(f"    {o['type']} \"{o.get('name', '')}\": {text}")
        st["objects"] = objects
        res.check("the bytes received were captured", len(raw) == pages and len(body) > 0,
                  f"{len(raw)} response bodies for {pages} pages, {len(body)} bytes")
        ids = [o.get("id") for o in objects]
        manifest = check_warning(res, sc, st, envelope, report, objects, ids, body, "pushed")
        if sc["no_endorsement"]:
            res.check("the manifest report is marked no-endorsement",
                      any(NO_ENDORSEMENT in (o.get("object_marking_refs") or []) for o in manifest),
                      f"manifest markings: {[o.get('object_marking_refs') for o in manifest]}")

    @section(res, f"{tag}: the case and its timeline (management API as the release officer)")
    def timeline_pushed():
        if "case" not in st:
            return res.check("a case", False, "no case")
        t = rob.get(f"/cases/{st['case']}/timeline")
        c = rob.get(f"/cases/{st['case']}")
        lines = t.get("lines") or []
        print(f"  timeline of {st['case']} (final stage: {c.get('stage')}):")
        for line in lines:
            print(f"    {line}")
        res.eq("as many lines as entries", len(lines), len(t.get("entries") or []))
        res.check("every line starts with its time", lines and all(TIME_RE.match(x) for x in lines),
                  [x for x in lines if not TIME_RE.match(x)])
        want = [("opened", "case opened"), ("decided warn", "decided: warn via taxii"),
                ("published via taxii-push", f"published {st.get('release')}")]
        pos = -1
        for label, needle in want:
            at = next((i for i, x in enumerate(lines) if needle in x), None)
            res.check(f"timeline: {label}", at is not None, f"no line contains {needle!r}")
            if at is not None:
                res.check(f"timeline: {label} comes after the previous step", at > pos, f"line {at} <= {pos}")
                pos = max(pos, at)
        pub = [x for x in lines if f"published {st.get('release')}" in x]
        res.check(f"timeline: published to {sc['partner']} via taxii-push: (its own server)",
                  any(f"to {sc['partner']} via taxii-push:" in x for x in pub), pub)
        res.check("timeline: the refused waiver left no trace", not any("waive" in x for x in lines),
                  [x for x in lines if "waive" in x])
        times = [e.get("at") for e in t.get("entries") or []]
        res.check("timeline in time order", times == sorted(times), times)
        res.eq("stage", c.get("stage"), "published")
        d = (c.get("deliveries") or {}).get(sc["partner"]) or {}
        res.eq(f"delivery to {sc['partner']}: release", d.get("release_id"), st.get("release"))

    if sc.get("push"):
        steps = (post, raised, hostile_waiver, decide, pull_pushed, validate, timeline_pushed)
    else:
        steps = (post, raised, decide, pull, validate, feedback, timeline)
    for step in steps:
        step()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--discovery", required=True, help="discovery URL, e.g. http://127.0.0.1:8080/taxii2/")
    ap.add_argument("--setup", required=True, help="JSON file with the accounts, collections and partners")
    ap.add_argument("--scenario", type=int, action="append", choices=sorted(SCENARIOS),
                    help="scenario to run (repeatable; default: all)")
    args = ap.parse_args()
    with open(args.setup, encoding="utf-8") as f:
        setup = json.load(f)
    res = Results()
    t0 = time.monotonic()
    for n in args.scenario or sorted(SCENARIOS):
        try:
            run_scenario(res, args, setup, n)
        except Exception as exc:  # noqa: BLE001 - report, keep going
            res.begin(f"duty {n}")
            res.check("scenario set up without exception", False, describe_exc(exc))
    res.notes.append(f"duty-to-warn scenarios took {time.monotonic() - t0:.1f} s")
    return finish(res)


if __name__ == "__main__":
    sys.exit(main())
