"""`leads-mock` (mock_server/__main__.py): its token options refuse what cannot work."""

from __future__ import annotations

import pytest

from mock_server.__main__ import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--token-ttl", "0"], "from 1 second"),
        (["--token-ttl", "-5"], "from 1 second"),
        (["--token-ttl", "1.5"], "whole seconds"),
        (["--token-ttl", "31536001"], "from 1 second"),
        (["--token-path", "oauth/token"], "leading /"),
        (["--token-path", "/leads/token"], "belongs to the Leads API"),
        (["--token-path", "/__mock/token"], "belongs to the Leads API or the mock"),
    ],
)
def test_bad_token_options_stop_the_mock_with_a_reason(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
