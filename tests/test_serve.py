"""`mofkg serve`: the main job. On an empty store it loads and assesses the demo catalogue."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.server import free_port, get, wait_until_up


def test_serve_on_an_empty_store_shows_the_assessed_demo(tmp_path: Path) -> None:
    port = free_port()
    exe = Path(sys.executable).with_name("mofkg")
    process = subprocess.Popen(
        [str(exe), "serve", "--store", str(tmp_path / "kg"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/sparql", process=process, timeout=60)
        reply = get(
            url + "/sparql",
            params={
                "query": "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE "
                "{ ?a mof:assessedModel ?m ; dct:conformsTo ?class }"
            },
            headers={"Accept": "text/csv"},
        )
        assert reply.status_code == 200
        assert int(reply.text.splitlines()[1]) >= 7, reply.text
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert b"loaded and assessed the demo catalogue" in err
    assert b"Traceback" not in err
