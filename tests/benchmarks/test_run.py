"""The whole harness (`benchmarks/run.py`) on a tiny budget (`--quick`, about a minute): it
needs wrk and npx/Prism and a quiet machine, so `make test` leaves it out; `make bench-smoke`
runs it (`LEADS_BENCH_SMOKE=1`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    not os.environ.get("LEADS_BENCH_SMOKE"), reason="a minute of load: make bench-smoke runs it"
)
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed")
@pytest.mark.skipif(
    not (ROOT / "node_modules" / ".bin" / "prism").exists(), reason="Prism not installed (npm ci)"
)
def test_quick_run_writes_the_report_the_plot_and_the_figures(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    results = json.loads((tmp_path / "benchmarks.json").read_text())
    for size in ("300", "2000"):
        kinds = results["mock"][size]["kinds"]
        assert set(kinds) == {"get", "list", "patch", "create"}
        assert all(
            k["median"]["requests"] > 0 and not k["median"]["failed"] for k in kinds.values()
        )
        # Every kind again with the response cache off: computed answers, no errors either.
        computed = results["mock_computed"][size]["kinds"]
        assert set(computed) == {"get", "list", "patch", "create"}
        assert set(results["mock_computed"][size]["growth"]) == {"indexed", "scanning", "none"}
        assert results["mock"][size]["cold_start_uncached"]["n"] == 1
        assert all(
            k["median"]["requests"] > 0 and not k["median"]["failed"] for k in computed.values()
        )
    assert results["prism"]["kinds"]["get"]["median"]["requests"] > 0
    report = (tmp_path / "benchmarks.md").read_text()
    assert "## Targets" in report and "| mock 2k |" in report and "| mock 2k, cache off |" in report
    assert "filtered + sorted page vs Prism, response cache off" in report
    assert "## Cost of a page against the data size" in report
    assert (tmp_path / "benchmarks.png").stat().st_size > 10_000
