"""A plan as the operator reads it before confirming: before -> after, effects, the `aws` CLI.

Everything shown comes from the `Plan` the action layer built; secrets are already
"********" there (and the CLI reads them from a shell variable), so nothing here can
leak one.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.widgets import Label, Static

from todotui.actions import Outcome, OutcomeStatus, Plan

Pairs = tuple[tuple[str, str], ...]


def before_after_rows(before: Pairs, after: Pairs) -> list[tuple[str, str, str]]:
    """(label, before, after) in the plan's order; a side without the label says "—"."""
    old, new = dict(before), dict(after)
    labels = list(dict.fromkeys([label for label, _ in before] + [label for label, _ in after]))
    return [(label, old.get(label, "—"), new.get(label, "—")) for label in labels]


def before_after_markup(before: Pairs, after: Pairs) -> str:
    rows = before_after_rows(before, after)
    if not rows:
        return "[$text-muted](nothing to compare)[/]"
    width = max(len(label) for label, _, _ in rows)
    old_width = max(len(old) for _, old, _ in rows)
    lines = []
    for label, old, new in rows:
        changed = old != new
        arrow = "[b $accent]→[/]" if changed else "[$text-muted]=[/]"
        shown_new = f"[b $success]{escape(new)}[/]" if changed else f"[$text-muted]{escape(new)}[/]"
        lines.append(
            f"{escape(label.ljust(width))}  {escape(old.ljust(old_width))}  {arrow}  {shown_new}"
        )
    return "\n".join(lines)


def pairs_markup(pairs: Pairs) -> str:
    width = max((len(label) for label, _ in pairs), default=0)
    return "\n".join(
        f"[$text-muted]{escape(label.ljust(width))}[/]  {escape(value)}" for label, value in pairs
    )


def bullets(lines: tuple[str, ...], mark: str = "•") -> str:
    return "\n".join(f"{mark} {escape(line)}" for line in lines)


RISK_LABEL = {
    "low": ("low risk · confirm with a key", "$success"),
    "high": ("high risk · confirm by typing the name", "$error"),
    "destructive": ("destructive · confirm by typing the name", "$error"),
    "security": ("security · confirm by typing the name", "$error"),
}


Section = tuple[type[Static], str, str]
"""A widget of the plan view: its kind, its classes and its markup."""


class PlanView(VerticalScroll):
    """Shows one `Plan` (or a placeholder while there is none) in sections."""

    DEFAULT_CSS = """
    PlanView {
        height: 1fr;
        padding: 0 1;
        & > .section { text-style: bold; color: $accent; margin: 1 0 0 0; }
        & > .section.-first { margin: 0; }
        & > .section.-warn { color: $warning; }
        & > .placeholder { color: $text-muted; }
        & > .warnings { color: $warning; }
        & > .stale { color: $warning; text-style: bold; background: $warning 15%; padding: 0 1; }
        & > .cli { background: $boost; color: $text; padding: 0 1; }
        & > .undo { color: $text-muted; margin: 1 0 0 0; }
        & > .basis { color: $text; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plan: Plan | None = None
        self._sections: list[Static] = []
        """The last plan's widgets (shown or hidden), in order."""
        self._shown: list[Section] = []
        """What they say (an unchanged one is not drawn again)."""

    def compose(self) -> ComposeResult:
        yield Static("Reading the live state…", classes="placeholder")

    @property
    def _placeholder(self) -> Static:
        return self.query_one(".placeholder", Static)

    def show_placeholder(self, text: str) -> None:
        """`text` instead of a plan. The plan's widgets are hidden, not removed: the next
        plan of the same shape (the same action, opened again) is written into them."""
        self.plan = None
        placeholder = self._placeholder
        placeholder.update(escape(text))
        placeholder.display = True
        for widget in self._sections:
            widget.display = False
        if self.scroll_offset:  # the next plan is read from its top
            self.scroll_home(animate=False)

    def show_plan(self, plan: Plan) -> None:
        """The plan in sections: into the widgets shown last if they are the same sections
        (mounting them anew, styles and all, was most of showing a plan), else new ones."""
        self.plan = plan
        wanted = plan_sections(plan)
        last, self._shown = self._shown, wanted
        self._placeholder.display = False
        if [kind_and_classes for *kind_and_classes, _ in last] == [
            kind_and_classes for *kind_and_classes, _ in wanted
        ]:
            for widget, before, now in zip(self._sections, last, wanted, strict=True):
                if before != now:
                    widget.update(now[2])
                widget.display = True
            return
        for widget in self._sections:
            widget.remove()
        self._sections = [kind(content, classes=classes) for kind, classes, content in wanted]
        self.mount_all(self._sections)

    @property
    def text(self) -> str:
        """Everything the plan view shows, as plain text (what a screen reader or a test reads)."""
        return "\n".join(str(w.render()) for w in self.query(Static) if w.display)


def plan_sections(plan: Plan) -> list[Section]:
    """What the plan view shows for `plan`, section by section."""
    sections: list[Section] = []
    if plan.stale_warning:
        sections.append((Static, "stale", f"⚠ {escape(plan.stale_warning)}"))
    sections += [
        (Label, "section -first", "Before → after"),
        (Static, "before-after", before_after_markup(plan.before, plan.after)),
    ]
    if plan.basis:
        sections += [
            (Label, "section", "Where the values come from"),
            (Static, "basis", bullets(plan.basis, "∑")),
        ]
    if plan.context:
        sections += [
            (Label, "section", "Live facts"),
            (Static, "context", pairs_markup(plan.context)),
        ]
    if plan.warnings:
        sections += [
            (Label, "section -warn", "Look twice"),
            (Static, "warnings", bullets(plan.warnings, "⚠")),
        ]
    if plan.effects:
        sections += [(Label, "section", "Effects"), (Static, "effects", bullets(plan.effects))]
    sections += [
        (Label, "section", "Equivalent aws CLI"),
        (Static, "cli", "\n".join(escape(line) for line in plan.cli) or "(none)"),
    ]
    undo = (
        ("Undo: " + plan.undo_note)
        if plan.undo_possible
        else ("No undo: " + (plan.undo_note or "AWS has no inverse"))
    )
    sections.append((Static, "undo", escape(undo)))
    return sections


def outcome_markup(outcome: Outcome) -> str:
    """The outcome in a few lines: status, what was read back, request ids, AWS's words."""
    status = outcome.status
    if status is OutcomeStatus.SUCCEEDED:
        head = (
            "[b $success]✓ Done, verified[/]"
            if outcome.verified
            else "[b $warning]✓ Sent; not verified yet[/]"
        )
    elif status is OutcomeStatus.FAILED:
        head = "[b $error]✗ AWS refused[/]"
    elif status is OutcomeStatus.UNKNOWN:
        head = "[b $warning]? Outcome unknown[/]"
    else:
        head = "[b $warning]Not sent[/]"
    lines = [head + (f"  {escape(outcome.message)}" if outcome.message else "")]
    if outcome.error:
        lines.append(f"[$error]{escape(outcome.error)}[/]")
    if outcome.observed:
        lines.append(pairs_markup(outcome.observed))
    if outcome.request_ids:
        lines.append(f"[$text-muted]request id {escape(', '.join(outcome.request_ids))}[/]")
    return "\n".join(lines)
