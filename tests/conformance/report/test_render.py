"""The report as a person and a program read it (conformance/report/render.py)."""

from __future__ import annotations

import json

from conformance.oracle.clauses import catalogue
from conformance.oracle.contract import DEFAULT_SPEC_PATH, Contract
from conformance.report.ledger import tally
from conformance.report.render import RunInfo, headline, html_page, markdown, renderer, terminal

CATALOGUE = catalogue(Contract.load(DEFAULT_SPEC_PATH))
INFO = RunInfo(
    base_url="http://127.0.0.1:9",
    profile="quick",
    seed=7,
    finished="2026-12-03 10:00 UTC",
    contract="MyCRM Leads API 2.1.0",
    kit="leads-conformance 2.1.0 (contract 2.1.0)",
    duration_s=12.0,
)
FAILURE = {
    "test": "suite/test_filters.py::test_x[city]",
    "clause": "GET /leads filters[city]",
    "curl": "curl -g -X GET -H 'Authorization: Bearer $LEADS_TOKEN' 'http://h/leads?a=<b>'",
    "answered": "200 application/json {}",
    "expected": "lead 5",
    "received": "no lead",
}
RECORDS = [
    {"clause": "filters[status]", "outcome": "passed"},
    {"clause": "filters[city]", "outcome": "passed"},
    {"clause": "filters[city]", "outcome": "failed", "failure": FAILURE},
    {"clause": "bulk-delete-all", "outcome": "skipped", "reason": "needs --allow-destructive"},
]
TALLIES = tally(CATALOGUE, RECORDS)


def test_headline_counts_every_clause() -> None:
    total = len(CATALOGUE)
    assert headline(CATALOGUE, TALLIES) == (
        f"Conforms to 1 of {total} clauses; 1 broken, {total - 2} not checked."
    )
    outside = [{"test": "t", "error": "RuntimeError: boom"}]
    assert headline(CATALOGUE, TALLIES, outside).endswith("; 1 test(s) failed outside any clause.")


def test_markdown_puts_the_broken_clause_first_with_its_request() -> None:
    text = markdown(INFO, CATALOGUE, TALLIES)
    broken = text.index("## Broken")
    assert broken < text.index("## Not checked") < text.index("## Every clause")
    assert "### `filters[city]`: 1 of 2 cases failed" in text
    assert FAILURE["curl"] in text and "- expected: lead 5" in text
    assert "| needs --allow-destructive | `bulk-delete-all` |" in text
    assert "seed 7" in text and "MyCRM Leads API 2.1.0" in text


def test_html_is_self_contained_and_escaped() -> None:
    page = html_page(INFO, CATALOGUE, TALLIES)
    assert page.startswith("<!doctype html>") and "</html>" in page
    assert "<script" not in page and "http-equiv" not in page
    assert "src=" not in page and "<link" not in page  # nothing fetched
    assert "a=&lt;b&gt;" in page and "a=<b>" not in page
    assert "<details open><summary>Filters" in page  # the area with a broken clause is open


def test_json_lists_every_clause_with_its_state() -> None:
    document = json.loads(renderer(".json")(INFO, CATALOGUE, TALLIES, ()))
    rows = {row["id"]: row for row in document["clauses"]}
    assert len(rows) == len(CATALOGUE)
    assert rows["filters[city]"]["state"] == "broken"
    assert rows["filters[city]"]["first_failure"]["expected"] == "lead 5"
    assert rows["bulk-delete-all"]["why"] == "needs --allow-destructive"
    assert document["run"]["seed"] == 7
    assert renderer(".md") is markdown and renderer(".HTML") is html_page


def test_terminal_summary_names_what_broke_and_why_the_rest_was_not_checked() -> None:
    lines = terminal(CATALOGUE, TALLIES)
    assert lines[0] == headline(CATALOGUE, TALLIES)
    assert any(line.startswith("  broken  filters[city]: 1 of 2 cases") for line in lines)
    assert any("needs --allow-destructive: bulk-delete-all" in line for line in lines)


def test_a_failure_outside_any_clause_is_shown_in_every_form() -> None:
    outside = [{"test": "suite/test_x.py::t", "error": "RuntimeError: the fixture broke"}]
    for text in (
        markdown(INFO, CATALOGUE, TALLIES, outside),
        html_page(INFO, CATALOGUE, TALLIES, outside),
        "\n".join(terminal(CATALOGUE, TALLIES, outside)),
    ):
        assert "suite/test_x.py::t" in text and "RuntimeError: the fixture broke" in text
    document = json.loads(renderer(".json")(INFO, CATALOGUE, TALLIES, outside))
    assert document["failed_outside_any_clause"] == outside
