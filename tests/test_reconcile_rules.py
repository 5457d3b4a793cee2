"""Reconciliation's rules for joint names, and its determinism from one run to the next."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mofkg.graphstore.reconcile import reconcile_store
from mofkg.graphstore.store.embedded import Store
from tests.test_reconcile import canonical, fill

ID = "https://w3id.org/mofkg/id/"
JOINT = ID + "osai-index/org/Mistral-AI-and-NVIDIA"

#: One run in a fresh interpreter: the reconciliation graph's lines, sorted.
RUN = """
import sys
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.reconcile import reconcile_store
from mofkg.graphstore.reconcile.mapping_graph import mapping_ntriples
from mofkg.graphstore.namespaces import Ids
store = Store(sys.argv[1], read_only=True)
report = reconcile_store(store, write=False)
lines = mapping_ntriples(report.outcome, ids=Ids())
# The day of the run aside (two runs may straddle midnight), all of it.
sys.stdout.write("".join(sorted(x for x in lines if "mapping_date" not in x)))
sys.stdout.write("".join(sorted(n + "\\n" for n in report.warnings)))
"""


def test_a_joint_name_reconciles_neither_organisation_with_the_other(
    shared_data: Path,
) -> None:
    store = Store()
    fill(store, shared_data)
    reconcile_store(store)
    mistral = {canonical(store, ID + o) for o in ("org/Mistral", "osai-index/org/Mistral-AI")}
    nvidia = {canonical(store, ID + o) for o in ("org/NVIDIA", "osai-index/org/NVIDIA")}
    # Each part still reconciles across sources; the joint name joins neither to the other.
    assert len(mistral) == len(nvidia) == 1
    assert mistral != nvidia
    assert canonical(store, JOINT) not in mistral | nvidia


def test_two_runs_in_two_interpreters_write_the_same_graph(
    shared_data: Path, tmp_path: Path
) -> None:
    path = tmp_path / "store"
    on_disk = Store(path)
    fill(on_disk, shared_data)
    on_disk.close()
    outputs = [
        subprocess.run(
            [sys.executable, "-c", RUN, str(path)],
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent.parent,
        ).stdout
        for seed in ("1", "2")
    ]
    assert outputs[0].count("\n") > 1000
    assert outputs[0] == outputs[1]
