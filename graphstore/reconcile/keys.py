"""The keys reconciliation compares: normalised names, URLs and Hugging Face ids.

>>> sorted(organisation_names("International Business Machines Corporation"))
['ibm', 'international business machines', 'internationalbusinessmachines']
>>> sorted(organisation_names("Advanced Micro Devices (AMD)"))
['advanced micro devices', 'advancedmicrodevices', 'amd']
>>> "huawei" in organisation_names("Huawei Technologies Co., Ltd")
True
>>> {"baai", "zhiyuan institute"} <= organisation_names(
...     "Beijing Academy of Artificial Intelligence aka Zhiyuan Institute")
True
>>> sorted(organisation_names("Stability AI"))
['stability', 'stability ai', 'stabilityai']
>>> url_key("https://www.IBM.com/"), url_key("http://github.com/LLM360/amber-train.git")
('ibm.com', 'github.com/llm360/amber-train')
>>> hugging_face_id("https://huggingface.co/meta-llama/Meta-Llama-3-8B-Instruct/tree/main")
'meta-llama/meta-llama-3-8b-instruct'
>>> hugging_face_id("https://huggingface.co/datasets/allenai/dolma")
'allenai/dolma'
>>> name_key("OLMo 7B"), name_key("olmo-7b")
('olmo 7b', 'olmo 7b')
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

#: Words that end an organisation's legal name and say nothing of which one it is.
LEGAL_SUFFIXES = frozenset(
    """inc incorporated corp corporation co company ltd limited llc llp lp plc gmbh ag sa sas
    srl bv nv oy ab as pte pty private kk kabushiki kaisha""".split()
)
#: Words a trading name may add or drop ("Google AI", "Huawei Technologies").
GENERIC_WORDS = frozenset("ai technologies technology labs lab research group holdings".split())
_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")
_PARENS = re.compile(r"\(([^)]*)\)")
#: What joins the names of two organisations in one ("Mistral AI and NVIDIA", "A & B", "A / B").
_JOINT = re.compile(r"\s+(?:and|&)\s+|\s*/\s*", re.IGNORECASE)
_OF = re.compile(r"\b(?:of|for)\b", re.IGNORECASE)
_AKA = re.compile(r"\s+(?:aka|a\.k\.a\.|also known as)\s+", re.IGNORECASE)
_HF_HOSTS = ("huggingface.co", "hf.co")
_HF_NOT_REPOS = {"datasets", "spaces", "collections", "papers", "docs", "blog", "models"}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    return _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()


def name_key(name: str) -> str:
    """A name compared as words: case, accents, punctuation and spacing dropped."""
    return _fold(name.replace("_", " "))


def organisation_names(name: str) -> set[str]:
    """The keys an organisation's name matches by: the name without legal suffixes, without
    trailing generic words, the words in parentheses, and the initials of a long name."""
    keys: set[str] = set()
    inner = [m.strip() for m in _PARENS.findall(name) if m.strip()]
    outer = _PARENS.sub(" ", name)
    parts = [p for text in [outer, *inner] for p in _AKA.split(text) if p.strip()]
    for part in parts:
        words = name_key(part).split()
        while words and words[-1] in LEGAL_SUFFIXES:
            words.pop()
        if not words:
            continue
        keys.add(" ".join(words))
        if len(words) > 1:
            keys.add("".join(words))  # "Stability AI" and "StabilityAI"
        core = list(words)
        while len(core) > 1 and core[-1] in GENERIC_WORDS:
            core.pop()
            keys.add(" ".join(core))
        significant = [w for w in words if w not in {"and", "of", "for", "the"}]
        if len(significant) >= 3:
            keys.add("".join(w[0] for w in significant))
    return keys


def joint_names(name: str) -> list[str]:
    """The organisations a joint name names ("A and B", "A & B", "A / B"), or [] when the
    name names one (a name whose parts are the same, "Johnson & Johnson"; an ``&`` inside a
    word, "AT&T"; a join after "of" or "for", "Institute for Ethical AI & Machine Learning").

    >>> joint_names("Mistral AI and NVIDIA"), joint_names("A & B"), joint_names("A / B")
    (['Mistral AI', 'NVIDIA'], ['A', 'B'], ['A', 'B'])
    >>> joint_names("Johnson & Johnson"), joint_names("AT&T"), joint_names("Stability AI")
    ([], [], [])
    """
    outer = _PARENS.sub(" ", name)
    if _OF.search(_JOINT.split(outer, maxsplit=1)[0]):
        return []  # "Academy of Information and Communications Technology": one name
    parts = [p.strip() for p in _JOINT.split(outer)]
    keys = {name_key(p) for p in parts}
    if len(parts) < 2 or len(keys) < len(parts) or "" in keys:
        return []
    return parts


def url_key(url: str) -> str | None:
    """A URL compared as host and path: scheme, ``www.``, case, ``.git``, a trailing slash,
    query and fragment dropped; None for what is not an http(s) URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    path = parts.path.rstrip("/").lower().removesuffix(".git").rstrip("/")
    return host + path


def hugging_face_id(text: str) -> str | None:
    """The ``owner/name`` a Hugging Face URL or id names, lower-cased; None if none."""
    text = text.strip()
    if "://" in text:
        parts = urlsplit(text)
        if (parts.hostname or "").lower().removeprefix("www.") not in _HF_HOSTS:
            return None
        segments = [s for s in parts.path.split("/") if s]
        if segments and segments[0] == "datasets":
            segments = segments[1:]
        if len(segments) < 2 or segments[0] in _HF_NOT_REPOS:
            return None
        return f"{segments[0]}/{segments[1]}".lower()
    if re.fullmatch(r"[\w.-]+(/[\w.-]+)?", text):
        return text.lower()
    return None


def hugging_face_owner(text: str) -> str | None:
    """The owner (user or organisation) of a Hugging Face URL: ``huggingface.co/<owner>``.

    >>> hugging_face_owner("https://huggingface.co/ibm-granite"), hugging_face_owner("x")
    ('ibm-granite', None)
    """
    if "://" not in text:
        return None
    parts = urlsplit(text.strip())
    if (parts.hostname or "").lower().removeprefix("www.") not in _HF_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if not segments or segments[0] in _HF_NOT_REPOS:
        return None
    return segments[0].lower()
