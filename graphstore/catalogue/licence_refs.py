"""Licences common for models that the SPDX list lacks, with ``LicenseRef-`` IRIs of our own.

:func:`mofkg.graphstore.catalogue.licences.build_licence_graph` adds them to the licence graph
under either
licence list (Llama, Gemma, the RAIL family, DeepSeek ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from mofkg.graphstore.namespaces import DEFAULT_IDS


@dataclass(frozen=True)
class CustomLicence:
    """A licence not on the SPDX list, with an IRI of our own (``id:licence/LicenseRef-...``)."""

    licence_id: str
    label: str
    see_also: str
    hf_id: str | None = None

    @property
    def iri(self) -> URIRef:
        return DEFAULT_IDS.licence_ref(self.licence_id)


#: Licences common for models that the SPDX list lacks. URLs and Hugging Face ids from the
#: Hub's licence table (``repositories-licenses.md``).
CUSTOM_LICENCES: tuple[CustomLicence, ...] = (
    CustomLicence(
        "LicenseRef-Llama-2-Community",
        "Llama 2 Community License Agreement",
        "https://huggingface.co/meta-llama/Llama-2-7b-chat-hf/blob/main/LICENSE.txt",
        "llama2",
    ),
    CustomLicence(
        "LicenseRef-Llama-3-Community",
        "Llama 3 Community License Agreement",
        "https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/LICENSE",
        "llama3",
    ),
    CustomLicence(
        "LicenseRef-Llama-3.1-Community",
        "Llama 3.1 Community License Agreement",
        "https://huggingface.co/meta-llama/Meta-Llama-3.1-70B-Instruct/blob/main/LICENSE",
        "llama3.1",
    ),
    CustomLicence(
        "LicenseRef-Llama-3.2-Community",
        "Llama 3.2 Community License Agreement",
        "https://huggingface.co/meta-llama/Llama-3.2-1B/blob/main/LICENSE.txt",
        "llama3.2",
    ),
    CustomLicence(
        "LicenseRef-Llama-3.3-Community",
        "Llama 3.3 Community License Agreement",
        "https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct/blob/main/LICENSE",
        "llama3.3",
    ),
    CustomLicence(
        "LicenseRef-Llama-4-Community",
        "Llama 4 Community License Agreement",
        "https://huggingface.co/meta-llama/Llama-4-Scout-17B-16E-Instruct/blob/main/LICENSE",
        "llama4",
    ),
    CustomLicence(
        "LicenseRef-Gemma-Terms-of-Use",
        "Gemma Terms of Use",
        "https://ai.google.dev/gemma/terms",
        "gemma",
    ),
    CustomLicence(
        "LicenseRef-BigScience-OpenRAIL-M",
        "BigScience OpenRAIL-M",
        "https://bigscience.huggingface.co/blog/bigscience-openrail-m",
        "bigscience-openrail-m",
    ),
    CustomLicence(
        "LicenseRef-BigScience-BLOOM-RAIL-1.0",
        "BigScience BLOOM RAIL 1.0",
        "https://huggingface.co/spaces/bigscience/license",
        "bigscience-bloom-rail-1.0",
    ),
    CustomLicence(
        "LicenseRef-CreativeML-OpenRAIL-M",
        "CreativeML OpenRAIL-M",
        "https://huggingface.co/spaces/CompVis/stable-diffusion-license",
        "creativeml-openrail-m",
    ),
    CustomLicence(
        "LicenseRef-BigCode-OpenRAIL-M",
        "BigCode Open RAIL-M v1",
        "https://www.bigcode-project.org/docs/pages/bigcode-openrail",
        "bigcode-openrail-m",
    ),
    CustomLicence(
        "LicenseRef-OpenRAIL",
        "OpenRAIL license family",
        "https://huggingface.co/blog/open_rail",
        "openrail",
    ),
    CustomLicence(
        "LicenseRef-OpenRAIL-PlusPlus-M",
        "Open Rail++-M License",
        "https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0/blob/main/LICENSE.md",
        "openrail++",
    ),
    CustomLicence(
        "LicenseRef-DeepSeek-Model",
        "DeepSeek License Agreement (model)",
        "https://github.com/deepseek-ai/DeepSeek-V2/blob/main/LICENSE-MODEL",
    ),
    CustomLicence(
        "ODC-PDDL-1.0",
        "Open Data Commons Public Domain Dedication and License v1.0",
        "https://opendatacommons.org/licenses/pddl/1-0/",
    ),
)
