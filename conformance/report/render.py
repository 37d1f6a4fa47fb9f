"""The conformance report, read in a minute: a headline, the broken clauses with the request
that broke each (as `curl -g`) and expected against received, what was not checked and why,
then every clause of the contract by area. Markdown, one self-contained HTML page (inline
style, no script, nothing fetched), or JSON for tools.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

from ..oracle.clauses import Clause
from .ledger import Tally, why_not_checked


@dataclass(frozen=True)
class RunInfo:
    base_url: str
    profile: str
    seed: int
    finished: str  # UTC, ISO 8601
    contract: str  # title and version
    kit: str  # `leads-conformance 2.1.0 (contract 2.1.0)`
    duration_s: float


Failure = Mapping[str, str]


def headline(
    clauses: Mapping[str, Clause], tallies: Mapping[str, Tally], outside: Sequence[Failure] = ()
) -> str:
    states = [tallies[c].state for c in clauses]
    conforms, broken = states.count("conforms"), states.count("broken")
    unchecked = states.count("not checked")
    text = (
        f"Conforms to {conforms} of {len(states)} clauses; {broken} broken, {unchecked} not checked"
    )
    if outside:
        text += f"; {len(outside)} test(s) failed outside any clause"
    return text + "."


def _areas(clauses: Mapping[str, Clause]) -> dict[str, list[Clause]]:
    found: dict[str, list[Clause]] = {}
    for clause in clauses.values():
        found.setdefault(clause.area, []).append(clause)
    return found


def _area_summary(members: list[Clause], tallies: Mapping[str, Tally]) -> str:
    states = [tallies[c.id].state for c in members]
    parts = [f"{states.count(s)} {s}" for s in ("conforms", "broken", "not checked") if s in states]
    return ", ".join(parts)


def _cell(text: str) -> str:
    """Markdown table cell: no pipes or line breaks to break the row."""
    return " ".join(text.split()).replace("|", "\\|")


def _not_checked(
    clauses: Mapping[str, Clause], tallies: Mapping[str, Tally]
) -> dict[str, list[str]]:
    by_reason: dict[str, list[str]] = {}
    for clause in clauses.values():
        entry = tallies[clause.id]
        if entry.state == "not checked":
            by_reason.setdefault(why_not_checked(clause, entry), []).append(clause.id)
    return by_reason


def markdown(
    info: RunInfo,
    clauses: Mapping[str, Clause],
    tallies: Mapping[str, Tally],
    outside: Sequence[Failure] = (),
) -> str:
    lines = [
        "# Leads API conformance report",
        "",
        f"**{headline(clauses, tallies, outside)}**",
        "",
        f"Server `{info.base_url}` · contract {info.contract} · profile {info.profile} · "
        f"seed {info.seed} (replay: `--seed {info.seed} --profile {info.profile}`) · "
        f"{info.finished} · {info.duration_s:.0f} s · {info.kit}",
        "",
    ]
    broken = [c for c in clauses.values() if tallies[c.id].state == "broken"]
    if broken:
        lines += ["## Broken", ""]
        for clause in broken:
            entry = tallies[clause.id]
            failure = entry.failure or {}
            lines += [
                f"### `{clause.id}`: {entry.failed} of {entry.tried} cases failed",
                "",
                f"The contract: {clause.says}",
                "",
                f"- test: `{failure.get('test', '?')}`",
            ]
            if failure.get("clause"):
                lines.append(f"- clause: {failure['clause']}")
            if failure.get("curl"):
                lines += ["- request:", "", "  ```sh", f"  {failure['curl']}", "  ```", ""]
                lines.append(f"- answered: {failure.get('answered', '')}")
            if failure.get("error"):
                lines.append(f"- error: {failure['error']}")
            if "expected" in failure:
                lines += [
                    f"- expected: {failure['expected']}",
                    f"- received: {failure['received']}",
                ]
            lines.append("")
    if outside:
        lines += ["## Failed outside any clause", ""]
        for problem in outside:
            shown = problem.get("error") or problem.get("clause") or "failed"
            lines.append(f"- `{problem.get('test', '?')}`: {shown}")
        lines.append("")
    by_reason = _not_checked(clauses, tallies)
    if by_reason:
        lines += ["## Not checked", "", "| why | clauses |", "|---|---|"]
        for reason, ids in by_reason.items():
            lines.append(f"| {_cell(reason)} | {_cell(', '.join(f'`{i}`' for i in ids))} |")
        lines.append("")
    lines += ["## Every clause", ""]
    for area, members in _areas(clauses).items():
        lines += [
            f"### {area} ({_area_summary(members, tallies)})",
            "",
            "| clause | the contract says | cases | passed | failed | state |",
            "|---|---|---:|---:|---:|---|",
        ]
        for clause in members:
            entry = tallies[clause.id]
            lines.append(
                f"| `{_cell(clause.id)}` | {_cell(clause.says)} | {entry.tried} | "
                f"{entry.passed} | {entry.failed} | {entry.state} |"
            )
        lines.append("")
    return "\n".join(lines)


_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:80em;padding:0 1em;color:#222}
h1{font-size:1.5em}.headline{font-size:1.2em;font-weight:600;padding:.6em .8em;border-radius:6px}
.ok{background:#e6f4ea}.bad{background:#fde7e9}.meta{color:#555}
table{border-collapse:collapse;width:100%;margin:.4em 0 1em}
td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
td.n{text-align:right}code,pre{font:13px ui-monospace,monospace}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap}
.broken{color:#b00020;font-weight:600}.conforms{color:#1e7b34}.unchecked{color:#777}
details{margin:.3em 0}summary{cursor:pointer;font-weight:600}
.failure{border-left:4px solid #b00020;padding:.2em 1em;margin:1em 0}
"""


def _state_class(state: str) -> str:
    return {"broken": "broken", "conforms": "conforms"}.get(state, "unchecked")


def html_page(
    info: RunInfo,
    clauses: Mapping[str, Clause],
    tallies: Mapping[str, Tally],
    outside: Sequence[Failure] = (),
) -> str:
    e = html.escape
    title = headline(clauses, tallies, outside)
    broken = [c for c in clauses.values() if tallies[c.id].state == "broken"]
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<title>Leads API conformance report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Leads API conformance report</h1>",
        f"<p class='headline {'bad' if broken or outside else 'ok'}'>{e(title)}</p>",
        f"<p class=meta>Server <code>{e(info.base_url)}</code> · contract {e(info.contract)} · "
        f"profile {e(info.profile)} · seed {info.seed} (replay: <code>--seed {info.seed} "
        f"--profile {e(info.profile)}</code>) · {e(info.finished)} · "
        f"{info.duration_s:.0f} s · {e(info.kit)}</p>",
    ]
    if broken:
        parts.append("<h2>Broken</h2>")
        for clause in broken:
            entry = tallies[clause.id]
            failure = entry.failure or {}
            parts.append(
                f"<div class=failure><h3><code>{e(clause.id)}</code>: {entry.failed} of "
                f"{entry.tried} cases failed</h3><p>The contract: {e(clause.says)}</p>"
                f"<p>Test <code>{e(failure.get('test', '?'))}</code></p>"
            )
            if failure.get("clause"):
                parts.append(f"<p>Clause: {e(failure['clause'])}</p>")
            if failure.get("curl"):
                parts.append(f"<pre>{e(failure['curl'])}</pre>")
                parts.append(f"<p>Answered: <code>{e(failure.get('answered', ''))}</code></p>")
            if failure.get("error"):
                parts.append(f"<p>Error: <code>{e(failure['error'])}</code></p>")
            if "expected" in failure:
                parts.append(
                    f"<p><b>Expected</b> {e(failure['expected'])}<br>"
                    f"<b>Received</b> {e(failure['received'])}</p>"
                )
            parts.append("</div>")
    if outside:
        parts.append("<h2>Failed outside any clause</h2><ul>")
        for problem in outside:
            shown = problem.get("error") or problem.get("clause") or "failed"
            parts.append(f"<li><code>{e(problem.get('test', '?'))}</code>: {e(shown)}</li>")
        parts.append("</ul>")
    by_reason = _not_checked(clauses, tallies)
    if by_reason:
        parts.append("<h2>Not checked</h2><table><tr><th>why</th><th>clauses</th></tr>")
        for reason, ids in by_reason.items():
            listed = ", ".join(f"<code>{e(i)}</code>" for i in ids)
            parts.append(f"<tr><td>{e(reason)}</td><td>{listed}</td></tr>")
        parts.append("</table>")
    parts.append("<h2>Every clause</h2>")
    for area, members in _areas(clauses).items():
        has_broken = any(tallies[c.id].state == "broken" for c in members)
        parts.append(
            f"<details{' open' if has_broken else ''}><summary>{e(area)} "
            f"({e(_area_summary(members, tallies))})</summary><table><tr><th>clause</th>"
            "<th>the contract says</th><th>cases</th><th>passed</th><th>failed</th>"
            "<th>state</th></tr>"
        )
        for clause in members:
            entry = tallies[clause.id]
            parts.append(
                f"<tr><td><code>{e(clause.id)}</code></td><td>{e(clause.says)}</td>"
                f"<td class=n>{entry.tried}</td><td class=n>{entry.passed}</td>"
                f"<td class=n>{entry.failed}</td>"
                f"<td class={_state_class(entry.state)}>{e(entry.state)}</td></tr>"
            )
        parts.append("</table></details>")
    parts.append("</body></html>")
    return "\n".join(parts)


def terminal(
    clauses: Mapping[str, Clause], tallies: Mapping[str, Tally], outside: Sequence[Failure] = ()
) -> list[str]:
    """The summary at the end of every run."""
    lines = [headline(clauses, tallies, outside)]
    for clause in clauses.values():
        entry = tallies[clause.id]
        if entry.state == "broken":
            failure = entry.failure or {}
            where = failure.get("test", "?")
            lines.append(f"  broken  {clause.id}: {entry.failed} of {entry.tried} cases ({where})")
    for problem in outside:
        shown = problem.get("error") or problem.get("clause") or "failed"
        lines.append(f"  failed outside any clause  {problem.get('test', '?')}: {shown}")
    for reason, ids in _not_checked(clauses, tallies).items():
        shown = ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")
        lines.append(f"  not checked ({len(ids)}): {reason}: {shown}")
    return lines


def json_document(
    info: RunInfo,
    clauses: Mapping[str, Clause],
    tallies: Mapping[str, Tally],
    outside: Sequence[Failure] = (),
) -> str:
    """The same figures for a program: every clause with its state and counts."""
    rows = []
    for clause in clauses.values():
        entry = tallies[clause.id]
        row = {
            "id": clause.id,
            "area": clause.area,
            "says": clause.says,
            "refs": list(clause.refs),
            "state": entry.state,
            "tried": entry.tried,
            "passed": entry.passed,
            "failed": entry.failed,
            "first_failure": entry.failure,
        }
        if entry.state == "not checked":
            row["why"] = why_not_checked(clause, entry)
        rows.append(row)
    document = {
        "headline": headline(clauses, tallies, outside),
        "run": asdict(info),
        "clauses": rows,
        "failed_outside_any_clause": list(outside),
    }
    return json.dumps(document, indent=2) + "\n"


Renderer = Callable[[RunInfo, Mapping[str, Clause], Mapping[str, Tally], Sequence[Failure]], str]


def renderer(path_suffix: str) -> Renderer:
    """The renderer for a report file: by its suffix, Markdown when it is neither."""
    return {".html": html_page, ".htm": html_page, ".json": json_document}.get(
        path_suffix.lower(), markdown
    )
