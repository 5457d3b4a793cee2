"""The errors mofkg raises. Each carries the data a user needs to fix the problem.

Every error a user can cause derives from :class:`MofkgError`; the CLI prints its message
on one line and exits 1, and :mod:`api` maps each kind to one HTTP status.
"""

from __future__ import annotations


class MofkgError(Exception):
    """A problem with the user's input or request (not a fault of mofkg)."""


class RdfSyntaxError(MofkgError):
    """RDF that does not parse, with where it stops parsing.

    >>> str(RdfSyntaxError("dump.ttl", "unexpected end of file", line=3, column=9))
    'dump.ttl:3:9: unexpected end of file'
    """

    def __init__(
        self, source: str, message: str, *, line: int | None = None, column: int | None = None
    ) -> None:
        self.source = source
        self.message = message
        self.line = line
        self.column = column
        where = source
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


class UnsupportedFormatError(MofkgError):
    """A format, media type or file suffix mofkg does not read or write."""


class SourceError(MofkgError):
    """A problem with one named input (a file, an upload): ``source: message``.

    >>> str(SourceError("dump.ttl", "the dump is empty"))
    'dump.ttl: the dump is empty'
    """

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


class UnsafeInputError(SourceError):
    """Input refused for safety: a DOCTYPE in RDF/XML, a remote JSON-LD context, ..."""


class TooLargeError(MofkgError):
    """Input over a configured size limit."""


class ReadOnlyError(MofkgError):
    """A write to a store or endpoint that only reads."""


class QueryError(MofkgError):
    """A SPARQL query or update that does not parse or cannot run."""


class QueryRefusedError(QueryError):
    """A query refused by policy (SERVICE, LOAD or FROM on an IRI not allowed)."""


class QueryTimeoutError(QueryError):
    """A query stopped because it ran longer than the configured timeout."""


class NotFoundError(MofkgError):
    """A model, graph or resource that is not in the store."""


class SettingsError(MofkgError):
    """A setting with a value that cannot be used."""


class RecordError(MofkgError):
    """An imported record that breaks its schema: names the file and the field."""

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source = source
        self.field = field
        self.message = message
        super().__init__(f"{source}: {field}: {message}")


class ReasonerError(MofkgError):
    """The reasoner could not run: no Java runtime, or Java failed."""


class UsageError(MofkgError):
    """A command used the wrong way (exit status 2)."""
