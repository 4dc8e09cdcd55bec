from __future__ import annotations

from agentctl.suites.outcome import Attempt, CaseResult, pass_hat_k


def result(passes: int, runs: int, threshold: float = 1.0) -> CaseResult:
    return CaseResult("boundary", "c", [Attempt(i + 1, failures=[] if i < passes else ["no"]) for i in range(runs)],
                      threshold)


def test_pass_hat_k_is_the_chance_that_k_attempts_all_pass() -> None:
    # 4 of 5 passed: pass^1 = 0.8, pass^2 = C(4,2)/C(5,2) = 0.6, pass^5 = 0
    assert pass_hat_k([result(4, 5)]) == {"1": 0.8, "2": 0.6, "3": 0.4, "4": 0.2, "5": 0.0}
    # a single-attempt case only counts towards pass^1
    assert pass_hat_k([result(4, 5), result(1, 1)]) == {"1": 0.9, "2": 0.6, "3": 0.4, "4": 0.2, "5": 0.0}


def test_pass_rate_threshold_decides_a_flaky_case() -> None:
    assert result(4, 5, threshold=0.8).passed
    assert not result(3, 5, threshold=0.8).passed
    assert result(3, 5, threshold=0.8).status == "failed"
    assert result(3, 5, threshold=0.8).message == "no"
