"""Check the README's quick start as a new user gets it: the server at URL answers the home
page, a model page and an aggregate query (which needs a query worker).

Usage: python3 .ci/quickstart.py URL SERVER_LOG
"""

import re
import sys
import time
import urllib.parse
import urllib.request


def get(url: str, accept: str = "text/html") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.status, answer.read().decode("utf-8")


def main() -> int:
    base, log = sys.argv[1].rstrip("/"), sys.argv[2]
    for _ in range(240):
        try:
            status, home = get(base + "/")
            break
        except OSError:
            time.sleep(0.5)
    else:
        print("quickstart: mofkg serve did not answer", file=sys.stderr)
        return 1
    if "OLMo-7B" not in home:
        print("quickstart: the home page lacks the demo catalogue", file=sys.stderr)
        return 1
    if "The Commons at a glance" not in home or "Premier" not in home:
        print("quickstart: the home page lacks the Commons (members by tier)", file=sys.stderr)
        return 1
    link = re.search(r'href="(/id/model/[^"]+)"', home)
    if not link:
        print("quickstart: the home page links no model page", file=sys.stderr)
        return 1
    status, page = get(base + link.group(1))
    if status != 200 or "<html" not in page.lower():
        print(f"quickstart: the model page {link.group(1)} answered {status}", file=sys.stderr)
        return 1
    query = (
        "PREFIX mof: <https://w3id.org/mofkg/ontology#> "
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    )
    status, csv = get(
        base + "/sparql?" + urllib.parse.urlencode({"query": query}), accept="text/csv"
    )
    rows = csv.strip().splitlines()
    if status != 200 or len(rows) != 2 or not rows[1].strip().isdigit():
        print(f"quickstart: the aggregate query answered {status}: {csv[:200]}", file=sys.stderr)
        return 1
    with open(log, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if "Traceback" in text:
        print(f"quickstart: the server's log holds a traceback:\n{text}", file=sys.stderr)
        return 1
    print(f"quickstart: home, {link.group(1)} and COUNT(*) = {rows[1].strip()} answered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
