"""Schemathesis against the committed OpenAPI document, every operation, a valid key:
no 500 and no response that breaks its own schema. Short here (HUIKUAN_FUZZ_SECONDS,
default 60); `make fuzz` runs it for 15 minutes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.reliability.conftest import Figure, Spawn
from tests.reliability.processes import KEY, ROOT


def test_no_server_error_and_no_schema_break_anywhere(
    spawn: Spawn, tmp_path: Path, figure: Figure
) -> None:
    service = spawn("serve", HUIKUAN_LOG_LEVEL="WARNING")
    seconds = os.environ.get("HUIKUAN_FUZZ_SECONDS", "60")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            str(ROOT / "openapi" / "openapi.json"),
            "--url",
            service.base_url,
            "--header",
            f"Authorization: Bearer {KEY}",
            "--checks",
            "not_a_server_error,response_schema_conformance,content_type_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-time",
            seconds,
            # One worker: with two threads, hypothesis's lambda-source cache can race in
            # CPython 3.11's ast module ("AST constructor recursion depth mismatch"), an
            # error of the fuzzer, not of the service.
            "--workers",
            "1",
            "--continue-on-failure",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=int(seconds) + 600,
        check=False,
    )
    summary = result.stdout[-6000:]
    assert result.returncode == 0, summary
    assert re.search(r"\d+ generated", summary), summary
    # The service never logged an unhandled error while being fuzzed.
    assert '"unhandled error"' not in service.logs()
    cases = re.search(r"\d+ generated, \d+ passed", summary)
    figure(f"{seconds} s: {cases.group(0) if cases else '?'} test cases; no 500, no schema break")
