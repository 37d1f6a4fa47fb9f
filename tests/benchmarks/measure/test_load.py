from __future__ import annotations

import pytest

from benchmarks.measure import load

# What wrk 4.1 prints with `--latency -s lua/get.lua` (common.lua adds the last line).
WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8080/leads/1
  2 threads and 32 connections
  Latency Distribution
     50%   13.55ms
     99%  109.26ms
  1103 requests in 2.01s, 1.79MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    548.70
Transfer/sec:    935.02KB
BENCH-JSON {"requests": 1103, "duration_us": 2010200, "bytes": 1879512, "p50_us": 13547, \
"p95_us": 28481, "p99_us": 109262, "mean_us": 16976.7, "max_us": 125571, "connect": 0, \
"read": 0, "write": 0, "status": 3, "timeout": 1}
"""


def test_parse_reads_the_summary_line_of_common_lua() -> None:
    result = load.parse(WRK_OUTPUT)
    assert result.requests == 1103
    assert result.rps == pytest.approx(548.70)
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (13.547, 28.481, 109.262)
    assert result.errors["status"] == 3
    assert result.failed == 4


def test_parse_refuses_output_without_the_summary_line() -> None:
    with pytest.raises(ValueError, match="BENCH-JSON"):
        load.parse("Requests/sec: 10\n")


def test_command_runs_whole_seconds_with_the_token_after_the_url() -> None:
    cmd = load.command("http://127.0.0.1:1", load.KIND_BY_NAME["get"], ["admin-token"], 2.4)
    assert cmd[:4] == ["wrk", "-t2", "-c32", "-d2s"]
    assert cmd[-3:] == ["http://127.0.0.1:1/leads/1", "--", "admin-token"]


def test_list_path_percent_encodes_the_brackets() -> None:
    assert "[" not in load.LIST_PATH
    assert "filters%5Bwishlist%5D%5Blocations%5D=are.3" in load.LIST_PATH
