"""Per-process limits of ``mofkg serve``: a memory cap that each server process and each
query worker process sets on itself, so that one request that needs too much is what fails,
not the machine (the kernel's OOM killer would pick any process, or several).

The cap is ``RLIMIT_DATA``: the process's heap and private writable mappings, what a query
or a parse grows; not its code, its stacks or files RocksDB maps. Past it an allocation
fails: Python raises :class:`MemoryError`, and Rust (Oxigraph) aborts the process
(``SIGABRT``), which is why query workers are separate processes and server processes are
respawned by Granian.
"""

from __future__ import annotations

import resource
import signal

#: The exit statuses (as :attr:`subprocess.Popen.returncode`) of a process that ran out of
#: its memory: Rust's allocator aborts on failure; the kernel's OOM killer sends SIGKILL.
OUT_OF_MEMORY_STATUSES = (-signal.SIGABRT,)


def limit_memory(limit: int) -> None:
    """Cap this process's data memory at ``limit`` bytes (never above the hard limit it has).

    >>> before = resource.getrlimit(resource.RLIMIT_DATA)
    >>> limit_memory(8 * 1024**3)
    >>> resource.getrlimit(resource.RLIMIT_DATA)[0] <= 8 * 1024**3
    True
    >>> resource.setrlimit(resource.RLIMIT_DATA, before)
    """
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def describe_bytes(size: int) -> str:
    """A size in bytes for a message: MiB or GiB.

    >>> describe_bytes(300 * 1024**2), describe_bytes(4 * 1024**3)
    ('300 MiB', '4 GiB')
    """
    if size >= 1024**3 and size % 1024**3 == 0:
        return f"{size // 1024**3} GiB"
    return f"{size / 1024**2:g} MiB"
