#!/usr/bin/env python3
"""Write a medallion (OASIS reference TAXII 2.1 server) configuration: memory
backend, one API root `api1`, the given users and collections.

  medallion_setup.py --dir D --port P --user NAME:SECRET ... \
                     --collection ID[:r][w] ... [--max-page-size 100]

Writes D/config.json (give it to `medallion`) and D/data.json.
Medallion has no per-account access control: can_read/can_write are flags of
the collection, the same for every user.
"""
import argparse
import json
import os

TAXII = "application/taxii+json;version=2.1"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", action="append", default=[], help="NAME:SECRET")
    ap.add_argument("--collection", action="append", default=[], help="ID or ID:rw / ID:r / ID:")
    ap.add_argument("--max-page-size", type=int, default=100)
    a = ap.parse_args()
    base = f"http://127.0.0.1:{a.port}"
    collections = []
    for spec in a.collection:
        cid, _, flags = spec.partition(":")
        flags = flags if _ else "rw"
        collections.append({
            "id": cid, "title": f"collection {cid[:8]}", "description": "interop/bench collection",
            "can_read": "r" in flags, "can_write": "w" in flags,
            "media_types": ["application/stix+json;version=2.1"],
            "objects": [], "manifest": [],
        })
    data = {
        "/discovery": {
            "title": "medallion (reference TAXII 2.1 server)",
            "description": "memory backend for interop and benchmarks",
            "contact": "nobody@example.org",
            "default": f"{base}/api1/",
            "api_roots": [f"{base}/api1/"],
        },
        "api1": {
            "information": {
                "title": "api1", "description": "test API root",
                "versions": [TAXII], "max_content_length": 100 * 1024 * 1024,
            },
            "status": [],
            "collections": collections,
        },
    }
    users = dict(u.split(":", 1) for u in a.user)
    config = {
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                    "filename": os.path.join(a.dir, "data.json"), "session_timeout": 600},
        "users": users,
        "taxii": {"max_page_size": a.max_page_size},
    }
    os.makedirs(a.dir, exist_ok=True)
    with open(os.path.join(a.dir, "data.json"), "w") as f:
        json.dump(data, f, indent=1)
    with open(os.path.join(a.dir, "config.json"), "w") as f:
        json.dump(config, f, indent=1)


if __name__ == "__main__":
    main()
