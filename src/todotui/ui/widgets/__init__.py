"""Reusable cockpit widgets; each carries its own DEFAULT_CSS."""

from __future__ import annotations

from todotui.ui.widgets.alert_feed import AlertFeedView
from todotui.ui.widgets.diagnosis_line import DiagnosisLine
from todotui.ui.widgets.history_chart import HistoryChart
from todotui.ui.widgets.metric_pane import MetricPane
from todotui.ui.widgets.status_bar import StatusBar

__all__ = ["AlertFeedView", "DiagnosisLine", "HistoryChart", "MetricPane", "StatusBar"]
