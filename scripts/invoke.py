#!/usr/bin/env python3
"""Send a fixture request (fixtures/events/NAME) to a running function, as `func invoke` does.

  scripts/invoke.py FUNCTION FIXTURE [--url URL]

FUNCTION is ingest-trigger, feature-ingestor, cache-warmer, broker or feature-service. Without --url the
request goes to the local stack (`just dev`, http://127.0.0.1:$PORT, PORT default 8080), where functions
live under /functions/<name>; with --url it goes to a function running on its own (e.g. http://127.0.0.1:8081).
Prints the status and the response body; exits 1 on a non-2xx answer.
"""
import argparse
import json
import os
import pathlib
import sys
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
FUNCTIONS = {"ingest-trigger", "feature-ingestor", "cache-warmer", "broker", "feature-service"}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("function", choices=sorted(FUNCTIONS))
    p.add_argument("fixture", help="file name under fixtures/events/ (or a path)")
    p.add_argument("--url", help="base URL of a function running on its own")
    a = p.parse_args()

    path = pathlib.Path(a.fixture)
    if not path.exists():
        path = ROOT / "fixtures" / "events" / a.fixture
    if not path.exists():
        names = sorted(f.name for f in (ROOT / "fixtures" / "events").glob("*.json"))
        print(f"no fixture {a.fixture!r}; known: {', '.join(names)}", file=sys.stderr)
        return 2
    fixture = json.loads(path.read_text())

    if a.url:
        base = a.url.rstrip("/")
    else:
        stack = f"http://127.0.0.1:{os.environ.get('PORT', '8080')}"
        base = {"feature-service": stack, "broker": stack}.get(a.function, f"{stack}/functions/{a.function}")
    req_path = fixture.get("path", "/")
    if a.function == "broker" and req_path == "/":
        req_path = "/broker"
    body = fixture.get("body")
    data = b"" if body is None else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
    # NB: functions nested in the local stack answer at /functions/<name>, not /functions/<name>/.
    url = base + ("" if req_path == "/" else req_path)
    # NB: non-ASCII header values go out as raw UTF-8 bytes, as a broken sender would send them.
    headers = {k: v if v.isascii() else v.encode() for k, v in fixture.get("headers", {}).items()}
    req = urllib.request.Request(url, data=data, method=fixture.get("method", "POST"), headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, text = resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode(errors="replace")
    except urllib.error.URLError as e:
        print(f"cannot reach {base}: {e.reason} (is `just dev` running?)", file=sys.stderr)
        return 1
    print(status)
    print(text)
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
