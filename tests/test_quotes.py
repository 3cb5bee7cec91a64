"""Every quote in the rulebook and the closing cap table appears verbatim in its document.

The YAML is read with engine.yamlio.load_yaml and each quote is checked directly against the
document text (engine.documents), without going through load_rulebook, so that a loader that
stopped checking quotes would not hide a misquotation. Negative controls show the comparison
is strict: one changed word, or elided fragments out of order, are not found.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pytest
from deal import ROOT

from clausewise.documents import ELISION, document_text, normalise, quote_found
from clausewise.paths import document_path
from clausewise.yamlio import load_yaml

RULEBOOK = ROOT / "rules" / "icg-2000"
CLOSING = RULEBOOK / "captables" / "closing.yaml"


# --- collecting every quoted source ------------------------------------------------------------


def _documents() -> dict[str, dict]:
    return {str(d["id"]): d for d in load_yaml(RULEBOOK / "documents.yaml")}


@lru_cache(maxsize=None)
def text_of(doc_id: str) -> str:
    doc = _documents()[doc_id]
    lines = tuple(doc["lines"]) if doc.get("lines") else None
    return document_text(document_path(RULEBOOK, doc["file"]), lines)


def _sources() -> list[tuple[str, dict]]:
    """(label, source mapping) for every source that carries a quote."""
    out: list[tuple[str, dict]] = []

    def add(label: str, source) -> None:
        if isinstance(source, dict) and source.get("quote"):
            out.append((label, source))

    manifest = load_yaml(RULEBOOK / "rulebook.yaml")
    for name in manifest["rule_files"]:
        for rule in load_yaml(RULEBOOK / name):
            add(f"{name}: rule {rule['id']}", rule.get("source"))
            for exc in rule.get("unless") or []:
                add(f"{name}: rule {rule['id']} exception {exc['id']}", exc.get("source"))
            for version in rule.get("versions") or []:
                add(f"{name}: rule {rule['id']} version {version['id']}", version.get("source"))
    for item in load_yaml(RULEBOOK / "definitions.yaml") or []:
        add(f"definitions.yaml: {item['id']}", item.get("source"))
        for version in item.get("versions") or []:
            add(f"definitions.yaml: {item['id']} version {version['id']}", version.get("source"))
    for item in load_yaml(RULEBOOK / "declined.yaml") or []:
        add(f"declined.yaml: {item['id']}", item)
    for item in load_yaml(RULEBOOK / "assumptions.yaml") or []:
        add(f"assumptions.yaml: {item['id']}", item.get("source"))
    params = load_yaml(RULEBOOK / "parameters.yaml")
    for name, item in params["parameters"].items():
        add(f"parameters.yaml: parameter {name}", item.get("source"))
        for start, value in (item.get("values") or {}).items():  # a dated parameter: one citation per value
            add(f"parameters.yaml: parameter {name} from {start}", (value or {}).get("source"))
    for name, item in (params.get("securities") or {}).items():
        add(f"parameters.yaml: security {name}", item.get("source"))
    for name, item in (params.get("groups") or {}).items():
        add(f"parameters.yaml: group {name}", item.get("definition"))
    for index, source in enumerate(load_yaml(CLOSING).get("sources") or []):
        add(f"closing.yaml: sources[{index}]", source)
    return out


SOURCES = _sources()
RULE_SOURCES = [(label, s) for label, s in SOURCES if ": rule " in label]


def test_the_collection_is_not_empty():
    """Guards the parametrised test below against silently collecting nothing."""
    labels = [label for label, _ in SOURCES]
    kinds = {label.split(": ")[1].split(" ")[0] for label in labels if ": " in label}
    assert len(RULE_SOURCES) >= 8 + 10  # 8 rules, and their exceptions
    assert any(label.startswith("definitions.yaml") for label in labels)
    assert any(label.startswith("assumptions.yaml") for label in labels)
    assert {"parameter", "security", "group"} <= kinds
    assert sum(label.startswith("closing.yaml") for label in labels) >= 2


@pytest.mark.parametrize("label, source", SOURCES, ids=[label for label, _ in SOURCES])
def test_quote_appears_verbatim_in_its_document(label, source):
    doc_id = source["document"]
    assert doc_id in _documents(), f"{label}: no document {doc_id!r} in documents.yaml"
    assert source.get("section"), f"{label}: no section"
    assert quote_found(str(source["quote"]), text_of(doc_id)), f"{label}: quote not found in {doc_id}"


def test_every_document_file_exists_and_has_text():
    for doc_id, doc in _documents().items():
        path = document_path(RULEBOOK, doc["file"])
        assert path.is_file(), doc_id
        assert len(text_of(doc_id)) > 1000, doc_id


def test_line_ranges_select_their_exhibit():
    # The 13D bundle holds several exhibits; each quote must be in its own exhibit's lines.
    pa, cod = text_of("purchase-agreement"), text_of("certificate-of-designation")
    standstill = "no Liberty Holder shall purchase any shares of Common Stock"
    assert quote_found(standstill, pa)
    assert not quote_found(standstill, cod)
    conversion = "The Conversion Price shall initially be $28.00 per share of Common Stock."
    assert quote_found(conversion, cod)
    assert not quote_found(conversion, pa)


# --- the comparison itself ---------------------------------------------------------------------


def test_whitespace_line_breaks_and_curly_quotes_do_not_count():
    text = normalise("The   Conversion Price\n   shall initially be\n24\n$28.00 per share.")
    assert text == "The Conversion Price shall initially be $28.00 per share."
    assert quote_found("The Conversion Price shall\ninitially be $28.00", text)
    assert quote_found("\u201cLiberty Group\u201d means", normalise('"Liberty Group" means Liberty'))


def test_comparison_is_case_sensitive():
    text = text_of("purchase-agreement")
    assert quote_found("Prior to the fifth anniversary of the Closing Date", text)
    assert not quote_found("prior to the fifth anniversary of the closing date", text)


def _change_one_word(quote: str) -> str:
    """Replace the longest word of the longest elision fragment with a different real word."""
    fragments = normalise(quote).split(ELISION)
    longest = max(range(len(fragments)), key=lambda i: len(fragments[i]))
    words = re.findall(r"[A-Za-z]{4,}", fragments[longest])
    target = max(words, key=len)
    replacement = "purchase" if target != "purchase" else "acquire"
    fragments[longest] = re.sub(rf"\b{target}\b", replacement, fragments[longest], count=1)
    return ELISION.join(fragments)


@pytest.mark.parametrize("label, source", RULE_SOURCES, ids=[label for label, _ in RULE_SOURCES])
def test_negative_control_one_word_changed_is_not_found(label, source):
    changed = _change_one_word(str(source["quote"]))
    assert changed != normalise(str(source["quote"]))
    assert not quote_found(changed, text_of(source["document"])), f"{label}: {changed!r}"


@pytest.mark.parametrize(
    "original, changed",
    [
        ("would beneficially own more than 37% of the outstanding shares of Common Stock",
         "would beneficially own more than 38% of the outstanding shares of Common Stock"),
        ("no Liberty Holder shall purchase any shares of Common Stock",
         "no Liberty Holder shall acquire any shares of Common Stock"),
        ("does not exceed 25.1% of the aggregate voting power",
         "does not exceed 25% of the aggregate voting power"),
    ],
)
def test_negative_control_realistic_misquotations(original, changed):
    text = text_of("purchase-agreement")
    assert quote_found(original, text)
    assert not quote_found(changed, text)


def _elided_rule_quotes() -> list[tuple[str, str, str]]:
    """Rule quotes with two or more elided fragments, each of which occurs once in its document.

    Fragments that occur once have one order only, so the same fragments in reverse order
    cannot be in the text and quote_found must say so.
    """
    out = []
    for label, source in RULE_SOURCES:
        parts = [p.strip() for p in normalise(str(source["quote"])).split(ELISION) if p.strip()]
        text = text_of(source["document"])
        if len(parts) >= 2 and all(text.count(p) == 1 for p in parts):
            out.append((label, source["document"], str(source["quote"])))
    return out


ELIDED = _elided_rule_quotes()


def test_some_rule_quotes_are_elided():
    assert len(ELIDED) >= 2


@pytest.mark.parametrize("label, doc_id, quote", ELIDED, ids=[e[0] for e in ELIDED])
def test_negative_control_elided_fragments_out_of_order(label, doc_id, quote):
    text = text_of(doc_id)
    parts = [p.strip() for p in normalise(quote).split(ELISION) if p.strip()]
    assert quote_found(f" {ELISION} ".join(parts), text)
    swapped = f" {ELISION} ".join(reversed(parts))
    assert not quote_found(swapped, text), f"{label}: fragments found in reverse order"


def test_elision_fragments_may_not_overlap():
    text = "alpha beta gamma"
    assert quote_found("alpha beta [...] gamma", text)
    assert not quote_found("alpha beta [...] beta gamma", text)
