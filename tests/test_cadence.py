"""The cockpit's cadence steps and its backoff while refreshes fail (pure)."""

from todotui.core.cadence import backoff, next_window


def test_failing_refreshes_back_off_and_a_success_restores_the_cadence():
    assert backoff(5, 0) == 5
    assert [backoff(5, n) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]
    assert backoff(120, 3) == 120  # never faster than the cadence the operator chose


def test_w_cycles_through_every_window_and_wraps():
    assert [next_window(w) for w in (300, 900, 3600, 10800)] == [900, 3600, 10800, 300]
