"""`mofkg serve`: the main job. On an empty store it loads and assesses the demo catalogue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.server import free_port, get, put, wait_until_up

TOKEN = "serve-token"


@contextmanager
def mofkg_serve(store: Path, err: list[bytes], *, cwd: Path | None = None) -> Iterator[str]:
    """``mofkg serve`` as a user runs it (the CLI), with writes on; its stderr goes to ``err``.
    ``store`` may be relative to ``cwd``, the folder it is started in."""
    port = free_port()
    exe = Path(sys.executable).with_name("mofkg")
    process = subprocess.Popen(
        [str(exe), "serve", "--store", str(store), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "MOFKG_UPDATE_TOKEN": TOKEN},
        cwd=cwd,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/sparql", process=process, timeout=60)
        yield url
    finally:
        process.terminate()
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
        err.append(stderr)


def _write_and_read(url: str, n: int) -> None:
    """A Graph Store Protocol write, answered within seconds and seen by the next read."""
    graph = f"http://example.org/serve/g{n}"
    reply = put(
        url + "/store",
        params={"graph": graph},
        data=f'<http://example.org/s> <http://example.org/p> "{n}" .',
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
        timeout=20,
    )
    assert reply.status_code == 201, reply.content
    ask = f'ASK {{ GRAPH <{graph}> {{ ?s ?p "{n}" }} }}'
    seen = get(url + "/sparql", params={"query": ask}, headers={"Accept": "application/json"})
    assert seen.json()["boolean"] is True


def test_serve_on_an_empty_store_shows_the_assessed_demo(tmp_path: Path) -> None:
    err: list[bytes] = []
    with mofkg_serve(tmp_path / "kg", err) as url:
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
    assert b"loaded and assessed the demo catalogue" in err[0]
    assert b"Traceback" not in err[0]


def test_serve_takes_writes_on_a_new_store_and_after_a_restart(tmp_path: Path) -> None:
    """The store is prepared before the server processes start; a write in one of them must
    not wait on anything the preparing process left behind."""
    err: list[bytes] = []
    with mofkg_serve(tmp_path / "kg", err) as url:
        for n in range(3):
            _write_and_read(url, n)
    with mofkg_serve(tmp_path / "kg", err) as url:  # the store is not empty this time
        _write_and_read(url, 3)
    assert all(b"Traceback" not in e for e in err)


def test_serve_says_why_it_cannot_prepare_the_store(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "kg"
    not_a_folder.write_text("not a store")
    exe = Path(sys.executable).with_name("mofkg")
    done = subprocess.run(
        [str(exe), "serve", "--store", str(not_a_folder), "--port", str(free_port())],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.decode().startswith(f"mofkg serve: {not_a_folder}")
    assert b"Traceback" not in done.stderr


def _children(pid: int) -> list[int]:
    """The child processes of ``pid``, read from /proc (psutil is no dependency)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def _server_processes(pid: int) -> list[int]:
    """Granian's server processes under its main process ``pid`` (not its resource tracker)."""
    return [c for c in _children(pid) if "resource_tracker" not in _cmdline(c)]


def _state(pid: int) -> str:
    """A process's state letter (Z: exited, not yet reaped), or "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return ""


def _gone(pid: int) -> bool:
    return _state(pid) in ("", "Z", "X")


def _data_limit(pid: int) -> int:
    """A process's soft RLIMIT_DATA, from /proc/PID/limits."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max data size"):
            return int(line.split()[3])
    raise AssertionError(f"no data size limit for {pid}")


def _answers(url: str) -> bool:
    try:
        reply = get(url + "/sparql", params={"query": "ASK {}"}, timeout=5)
    except OSError:
        return False
    return reply.status_code == 200


def test_a_killed_server_process_is_respawned_and_the_server_answers(tmp_path: Path) -> None:
    """A server process killed (as the OOM killer would) is started again; the other one
    answers meanwhile, and the whole server keeps answering: before, every process exited."""
    from tests.server import running_production_server

    limit = 3 * 1024**3
    env = {"MOFKG_PROCESSES": "2", "MOFKG_MEMORY_LIMIT": str(limit)}
    with running_production_server(tmp_path / "kg", **env) as srv:
        assert srv.process is not None
        main = srv.process.pid
        deadline = time.monotonic() + 30
        while len(_server_processes(main)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        before = _server_processes(main)
        assert len(before) == 2, before
        for pid in [*before, *_children(before[1])]:  # server processes and query workers
            assert _data_limit(pid) == limit, _cmdline(pid)
        orphans = _children(before[0])  # its query worker
        os.kill(before[0], signal.SIGKILL)
        time.sleep(0.5)
        assert all(_answers(srv.url) for _ in range(10))  # the other process answers
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = _server_processes(main)
            new = [p for p in now if p not in before]
            # the new process is up once it has started its query worker
            if len(now) == 2 and new and _children(new[0]):
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"no new server process: {before} -> {now}")
        time.sleep(1)
        assert srv.process.poll() is None
        assert orphans and all(_gone(pid) for pid in orphans), [_state(p) for p in orphans]
        assert all(_answers(srv.url) for _ in range(20))


def test_a_relative_store_from_any_folder_answers_queries_that_need_a_worker(
    tmp_path: Path,
) -> None:
    """The query workers were started inside the installed package with the relative store
    path: `mofkg serve` with the default ./mofkg-data printed 'the query workers could not
    open the store' and about 100 lines of tracebacks. An aggregate needs a worker."""
    folder = tmp_path / "somewhere"
    folder.mkdir()
    err: list[bytes] = []
    with mofkg_serve(Path("kg"), err, cwd=folder) as url:
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        reply = get(url + "/sparql", params={"query": count}, headers={"Accept": "text/csv"})
        assert reply.status_code == 200, reply.content
        assert int(reply.content.decode().splitlines()[1]) > 1000
    assert (folder / "kg").is_dir()
    assert b"Traceback" not in err[0], err[0].decode()
