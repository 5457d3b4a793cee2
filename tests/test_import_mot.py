"""Importing MOT YAML records into RDF, and exporting them back."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from mofkg.graphstore.catalogue.licences import build_licence_graph, licence_index
from mofkg.graphstore.errors import NotFoundError, RecordError
from mofkg.graphstore.importers.mot import (
    ImportErrors,
    RecordSyntaxError,
    dump_record_yaml,
    export_record,
    import_mot,
    mot_component_types,
    spdx_exact,
)
from mofkg.graphstore.namespaces import DCT, DEFAULT_IDS, MOF, SCHEMA, spdx_licence_iri
from mofkg.graphstore.store.embedded import Store

SHIPPED_SCHEMA = Path(__file__).resolve().parents[1] / "graphstore" / "data"


def mot(shared_data: Path) -> Path:
    return shared_data / "mot"


def record(**release: Any) -> dict[str, Any]:
    """A small valid record; keyword arguments replace release fields (None removes one)."""
    base: dict[str, Any] = {
        "name": "Tiny-1B",
        "version": "1B",
        "date": "2024-06-13",
        "license": {"distribution": {"name": "Apache-2.0", "path": ""}},
        "type": "language",
        "producer": "Example Lab",
        "contact": "",
        "components": [
            {"name": "Model architecture", "description": "Code", "license": "MIT"},
            {"name": "Model parameters (Final)", "description": "Weights"},
        ],
    }
    base.update(release)
    return {
        "framework": {"name": "Model Openness Framework", "version": "1.0", "date": "2024-12-15"},
        "release": {k: v for k, v in base.items() if v is not None},
    }


def write(folder: Path, name: str, data: dict[str, Any] | str) -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def component(graph: Graph, name: str) -> URIRef:
    ctype = mot_component_types()[name]
    found = list(graph.subjects(MOF.componentType, ctype))
    assert len(found) == 1 and isinstance(found[0], URIRef)
    return found[0]


# -- the shipped schema and the component table ----------------------------------------------


def test_shipped_schema_is_byte_identical_to_mot(shared_data: Path) -> None:
    shipped = (SHIPPED_SCHEMA / "mot-record-schema.json").read_bytes()
    assert shipped == (mot(shared_data) / "schema" / "mof_schema.json").read_bytes()


def test_component_names_from_the_ontology_match_mot_settings(shared_data: Path) -> None:
    settings = yaml.safe_load((mot(shared_data) / "config" / "mof.settings.yml").read_text())
    assert set(mot_component_types()) == {c["name"] for c in settings["components"]}
    assert len(mot_component_types()) == 17


# -- the 188 records ---------------------------------------------------------------------------


def test_imports_all_real_records_and_fixtures(shared_data: Path) -> None:
    folders = [mot(shared_data) / "models", mot(shared_data) / "test_data"]
    result = import_mot(folders)
    assert len(result.records) == 188
    assert sum(r.path.parent.name == "models" for r in result.records) == 161
    assert len({r.model for r in result.records}) == 188
    assert len({r.graph_iri for r in result.records}) == 188
    components = 0
    for imported in result.records:
        data = yaml.safe_load(imported.path.read_text())
        g = imported.graph
        assert list(g.subjects(RDF.type, MOF.Model)) == [imported.model]
        assert g.value(imported.model, SCHEMA.name) == Literal(data["release"]["name"])
        assert g.value(imported.model, MOF.sourceRecord) == Literal(imported.path.name)
        found = set(g.objects(imported.model, MOF.hasComponent))
        assert len(found) == len(data["release"]["components"])
        assert set(g.subjects(RDF.type, MOF.Component)) == found
        components += len(found)
    assert components == 1334
    # Every graph goes into a real store: file names like "..._C1_100%-C2..." are encoded.
    store = Store()
    store.replace_graphs(result.graphs())
    assert len(store) == sum(len(r.graph) for r in result.records)
    fixture = next(r for r in result.records if r.path.name.startswith("Class1TestFile"))
    assert "%25" in str(fixture.graph_iri) and store.has_graph(str(fixture.graph_iri))


def test_records_sharing_a_model_iri_are_kept_apart(shared_data: Path) -> None:
    result = import_mot([mot(shared_data) / "models"])
    by_file = {r.path.name: r for r in result.records}
    pairs = [
        ("Meta-Llama-3-70B-Instruct.yml", "Llama-3-70B-Instruct.yml"),
        ("Meta-Llama-3-8B-Instruct.yml", "Llama-3-8B-Instruct.yml"),
        ("Command-R.yml", "Command-R+.yml"),  # the names differ, their slugs do not
    ]
    for keeper, moved in pairs:
        assert by_file[keeper].model == DEFAULT_IDS.model(keeper.removesuffix(".yml"))
        assert by_file[moved].model != by_file[keeper].model
        warning = by_file[moved].warnings[0]
        assert keeper in warning and str(by_file[moved].model) in warning
        assert not any("model IRI" in w for w in by_file[keeper].warnings)
    moved_warnings = [w for w in result.warnings if "gives the model IRI" in w]
    assert len(moved_warnings) == 3


def test_copy_pasted_release_name_gets_its_own_model(shared_data: Path, tmp_path: Path) -> None:
    # Upstream, Qwen2.5-72B-Instruct.yml once said its name was Qwen2.5-32B-Instruct.
    source = mot(shared_data) / "models" / "Qwen2.5-32B-Instruct.yml"
    shutil.copy(source, tmp_path / "Qwen2.5-32B-Instruct.yml")
    shutil.copy(source, tmp_path / "Qwen2.5-72B-Instruct.yml")
    first = import_mot([tmp_path])
    again = import_mot([tmp_path])
    by_file = {r.path.name: r for r in first.records}
    kept, moved = by_file["Qwen2.5-32B-Instruct.yml"], by_file["Qwen2.5-72B-Instruct.yml"]
    assert kept.model == DEFAULT_IDS.model("Qwen2.5-32B-Instruct")
    assert moved.model == DEFAULT_IDS.model("Qwen2.5-32B-Instruct--Qwen2.5-72B-Instruct")
    (clash,) = [w for w in first.warnings if "gives the model IRI" in w]
    assert clash.startswith("Qwen2.5-72B-Instruct.yml: release name 'Qwen2.5-32B-Instruct'")
    assert "Qwen2.5-32B-Instruct.yml has too" in clash
    assert [r.model for r in again.records] == [r.model for r in first.records]


def test_a_model_already_stored_is_not_reused(tmp_path: Path) -> None:
    write(tmp_path, "Tiny-1B.yml", record())
    taken = DEFAULT_IDS.model("Tiny-1B")
    result = import_mot([tmp_path], existing_models={taken})
    assert result.records[0].model == DEFAULT_IDS.model("Tiny-1B--Tiny-1B")
    assert "a model already stored" in result.warnings[0]


# -- errors: nothing is produced ----------------------------------------------------------------


def test_yaml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, "good.yml", record())
    text = "framework:\n  name: x\nrelease:\n  name: [unclosed\n  producer: y\n"
    write(tmp_path, "broken.yml", text)
    with pytest.raises(ImportErrors) as caught:
        import_mot([tmp_path])
    (error,) = caught.value.errors
    assert isinstance(error, RecordSyntaxError)
    assert (error.line, error.column) == (5, 11)
    assert str(error).startswith(f"{tmp_path / 'broken.yml'}:5:11: ")
    assert "broken.yml:5:11: " in str(caught.value)
    assert "nothing imported" in str(caught.value)


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    text = yaml.safe_dump(record(), sort_keys=False).replace("name: Tiny-1B", "name: &n Tiny-1B")
    write(tmp_path, "alias.yml", text + "extra: *n\n")
    with pytest.raises(ImportErrors) as caught:
        import_mot([tmp_path])
    (error,) = caught.value.errors
    assert isinstance(error, RecordSyntaxError)
    assert error.message == "YAML aliases (*name) are not accepted in MOT records"
    assert (error.line, error.column) == (text.count("\n") + 1, 8)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (record(components="x"), "release.components", "'x' is not of type 'array'"),
        (
            record(components=[{"name": "Model card"}, {"name": "Weights"}]),
            "release.components[1].name",
            "unknown component 'Weights'",
        ),
        (record(name=None), "release.name", "required field is missing"),
        (
            record(components=[{"name": "Model card", "license": None}]),
            "release.components[0].license",
            "None is not of type 'string'",
        ),
        (
            record(components=[{"name": "Model card"}, {"name": "Model card"}]),
            "release.components[1].name",
            "'Model card' is listed twice (also at [0])",
        ),
        (record(type="llm"), "release.type", "'llm' is not one of"),
        (record(repository=42), "release.repository", "42 is not of type 'string'"),
        (record(name="***"), "release.name", "needs a letter or digit"),
    ],
)
def test_schema_violation_names_file_and_field(
    tmp_path: Path, data: dict[str, Any], field: str, message: str
) -> None:
    write(tmp_path, "a-good-one.yml", record())
    bad = write(tmp_path, "bad.yml", data)
    with pytest.raises(ImportErrors) as caught:
        import_mot([tmp_path])
    (error,) = caught.value.errors
    assert (error.source, error.field) == (str(bad), field)
    assert message in error.message
    assert f"bad.yml: {field}: " in str(caught.value)


def test_every_bad_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "one.yml", record(components="x"))
    write(tmp_path, "two.yml", "release: [\n")
    write(tmp_path, "three.yml", record(producer=None, license=None))
    write(tmp_path, "fine.yml", record())
    with pytest.raises(ImportErrors) as caught:
        import_mot([tmp_path])
    found = [(Path(e.source).name, e.field) for e in caught.value.errors]
    assert found == [
        ("one.yml", "release.components"),
        ("three.yml", "release.license"),
        ("three.yml", "release.producer"),
        ("two.yml", "line 2, column 1"),
    ]
    assert isinstance(caught.value, RecordError)


def test_file_problems_are_record_errors(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write(tmp_path / "a", "same.yml", record())
    write(tmp_path / "b", "same.yml", record(name="Other"))
    (tmp_path / "latin1.yml").write_bytes("release:\n  name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ImportErrors) as caught:
        import_mot([tmp_path / "a", tmp_path / "b", tmp_path / "latin1.yml", tmp_path / "nope"])
    messages = {Path(e.source).name: e.message for e in caught.value.errors}
    assert "same file name as" in messages["same.yml"]
    assert messages["latin1.yml"].startswith("not UTF-8")
    assert messages["nope"] == "no such file or folder"


# -- what a record becomes ------------------------------------------------------------------


def test_free_text_licence_is_kept_with_a_suggestion(tmp_path: Path) -> None:
    comps = [{"name": "Training code", "license": "Apache 2.0"}]
    write(tmp_path, "Free.yml", record(components=comps))
    result = import_mot([tmp_path])
    g = result.records[0].graph
    c = component(g, "Training code")
    assert g.value(c, MOF.licenceText) == Literal("Apache 2.0")
    assert g.value(c, DCT.license) is None
    assert result.warnings == [
        "Free.yml: release.components[0].license: licence 'Apache 2.0' is not an SPDX id or "
        "known licence; kept as text (did you mean Apache-2.0?)"
    ]


def test_unlicensed_empty_and_absent_licences_differ(tmp_path: Path) -> None:
    comps = [
        {"name": "Training code", "license": "unlicensed"},
        {"name": "Inference code", "license": ""},
        {"name": "Model card"},
        {"name": "Datasets", "license": "CC-BY-4.0"},
    ]
    write(tmp_path, "Lic.yml", record(components=comps))
    result = import_mot([tmp_path])
    g = result.records[0].graph
    for name in ("Training code", "Inference code"):
        c = component(g, name)
        assert g.value(c, MOF.declaredUnlicensed) == Literal(True)
        assert g.value(c, DCT.license) is None and g.value(c, MOF.licenceText) is None
    card = component(g, "Model card")
    assert {p for p, _ in g.predicate_objects(card)} == {
        RDF.type,
        MOF.componentType,
        MOF.componentOrder,
    }
    assert g.value(component(g, "Datasets"), DCT.license) == spdx_licence_iri("CC-BY-4.0")
    assert result.warnings == [
        "Lic.yml: release.components[1].license: empty, read as 'unlicensed' (as MOT does)"
    ]


def test_release_fields(tmp_path: Path) -> None:
    licences = {
        "distribution": {"name": "Proprietary", "path": "/LICENSE"},
        "code": {"name": "MIT", "path": None},
        "data": {"name": "", "path": ""},
        "document": {"name": None},
    }
    comps = [
        {
            "name": "Research paper",
            "component_path": "https://arxiv.org/abs/2403.13784",
            "license_path": "see the paper",
        }
    ]
    data = record(
        license=licences,
        components=comps,
        date="2024-02-30",
        repository="github.com/x/y",
        huggingface="org/Tiny-1B",
        treatment="pre-trained",
    )
    data["release"]["extra"] = "x"
    write(tmp_path, "Fields.yml", data)
    result = import_mot([tmp_path])
    imported = result.records[0]
    g, m = imported.graph, imported.model
    assert g.value(m, MOF.distributionLicenceText) == Literal("Proprietary")
    assert g.value(m, MOF.distributionLicencePath) == Literal("/LICENSE")
    assert g.value(m, MOF.codeLicence) == spdx_licence_iri("MIT")
    for absent in (MOF.dataLicence, MOF.dataLicenceText, MOF.dataLicencePath):
        assert g.value(m, absent) is None  # empty name and path mean "not given", as in MOT
    assert g.value(m, MOF.documentLicence) is None and g.value(m, MOF.documentLicenceText) is None
    assert g.value(m, DCT.issued) == Literal("2024-02-30")
    assert g.value(m, MOF.frameworkDate) == Literal("2024-12-15", datatype=XSD.date)
    assert g.value(m, MOF.codeRepository) is None
    assert g.value(m, MOF.huggingFacePage) == URIRef("https://huggingface.co/org/Tiny-1B")
    assert g.value(m, MOF.treatment) == Literal("pre-trained")
    assert g.value(m, MOF.contact) is None  # empty means not given
    org = g.value(m, MOF.producer)
    assert org == DEFAULT_IDS.organisation("Example Lab")
    paper = component(g, "Research paper")
    assert g.value(paper, MOF.location) == URIRef("https://arxiv.org/abs/2403.13784")
    assert g.value(paper, MOF.licenceLocationText) == Literal("see the paper")
    warnings = "\n".join(result.warnings)
    assert "release.date: '2024-02-30' is not a date (YYYY-MM-DD); kept as text" in warnings
    assert (
        "release.repository: 'github.com/x/y' is not an absolute http(s) URL; skipped" in warnings
    )
    assert "release.huggingface: 'org/Tiny-1B' is a repository id" in warnings
    assert "release.license.distribution.name: licence 'Proprietary'" in warnings
    assert "release.extra: not a MOT field, ignored" in warnings


def test_unquoted_yaml_date_stays_a_date(tmp_path: Path) -> None:
    text = yaml.safe_dump(record(), sort_keys=False).replace("'2024-06-13'", "2024-06-13")
    assert "date: 2024-06-13\n" in text
    write(tmp_path, "Dated.yml", text)
    imported = import_mot([tmp_path]).records[0]
    issued = imported.graph.value(imported.model, DCT.issued)
    assert issued == Literal("2024-06-13", datatype=XSD.date)


def test_a_licence_resolver_maps_known_non_spdx_licences(tmp_path: Path) -> None:
    index = licence_index(build_licence_graph())
    llama = DEFAULT_IDS.licence_ref("LicenseRef-Llama-3-Community")
    comps = [{"name": "Model card", "license": "LicenseRef-Llama-3-Community"}]
    write(tmp_path, "Llama.yml", record(components=comps))
    g = import_mot([tmp_path], licence_resolver=index.resolve).records[0].graph
    assert g.value(component(g, "Model card"), DCT.license) == llama


# -- export ------------------------------------------------------------------------------------


def _without_empty(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _without_empty(v) for k, v in value.items() if v not in ("", None)}
        return {k: v for k, v in kept.items() if v != {} or k == "license"}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


def test_round_trip_of_every_record_is_isomorphic(shared_data: Path, tmp_path: Path) -> None:
    first = import_mot([mot(shared_data) / "models", mot(shared_data) / "test_data"])
    for imported in first.records:
        (tmp_path / imported.path.name).write_text(
            dump_record_yaml(imported.graph, imported.model), encoding="utf-8"
        )
    second = {r.path.name: r for r in import_mot([tmp_path]).records}
    assert len(second) == 188
    exact = 0
    for imported in first.records:
        again = second[imported.path.name]
        assert again.model == imported.model
        assert isomorphic(again.graph, imported.graph), imported.path.name
        if not imported.warnings:  # nothing was normalised: the record itself comes back
            original = _without_empty(yaml.safe_load(imported.path.read_text()))
            original["release"].setdefault("producer", "")  # required, written even if empty
            assert export_record(imported.graph, imported.model) == original
            exact += 1
    assert exact > 50


def test_export_from_a_store_keeps_component_order(tmp_path: Path) -> None:
    comps = [{"name": n} for n in ("Research paper", "Model card", "Datasets", "Training code")]
    write(tmp_path, "Order.yml", record(components=comps))
    imported = import_mot([tmp_path]).records[0]
    store = Store()
    store.replace_graphs(import_mot([tmp_path]).graphs())
    exported = export_record(store.to_rdflib(), imported.model)
    assert [c["name"] for c in exported["release"]["components"]] == [c["name"] for c in comps]
    assert exported == export_record(imported.graph, imported.model)


def test_export_writes_licence_ref_ids_that_import_back(tmp_path: Path) -> None:
    llama = DEFAULT_IDS.licence_ref("LicenseRef-Llama-3-Community")

    def resolver(text: str) -> URIRef | None:
        return llama if text == "Llama 3 Community License" else spdx_exact(text)

    comps = [{"name": "Model card", "license": "Llama 3 Community License"}]
    write(tmp_path, "Ref.yml", record(components=comps))
    imported = import_mot([tmp_path], licence_resolver=resolver).records[0]
    exported = export_record(imported.graph, imported.model)
    assert exported["release"]["components"][0]["license"] == "LicenseRef-Llama-3-Community"
    again_dir = tmp_path / "again"
    again_dir.mkdir()
    write(again_dir, "Ref.yml", exported)
    again = import_mot([again_dir]).records[0]  # the default resolver
    assert isomorphic(again.graph, imported.graph)


def test_export_of_an_unknown_model_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="no model <https://example.org/m>"):
        export_record(Graph(), URIRef("https://example.org/m"))


def test_every_term_the_importer_writes_is_in_the_ontology(shared_data: Path) -> None:
    from mofkg.graphstore.catalogue.owl import load_ontology_graph

    ontology = load_ontology_graph()
    declared = set(ontology.subjects(RDF.type, None))
    result = import_mot([mot(shared_data) / "models", mot(shared_data) / "test_data"])
    used: set[URIRef] = set()
    for imported in result.records:
        for _, p, o in imported.graph:
            used.add(URIRef(p))
            if p == RDF.type:
                used.add(URIRef(o))
    ours = {t for t in used if str(t).startswith(str(MOF))}
    assert ours and ours <= declared, sorted(ours - declared)
