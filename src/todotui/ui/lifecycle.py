"""Is a node on its way out? Callbacks that land as the app quits must not touch it.
(And is one of its workers still out: `working`.)

Quitting removes a screen's children before the screen, and a kept (installed) screen that
is not on the stack has its widgets closed in no particular order. A timer or a refresh
landing in between finds some children gone (`NoMatches`) and, uncaught, crashes the app on
its way out with a traceback.
"""

from __future__ import annotations

from textual.dom import DOMNode


def going_away(node: DOMNode) -> bool:
    """True once the node is being removed or closed, or the app is shutting down."""
    if not node.is_attached:
        return True
    return node._closing or node._closed or node._pruning or not node.app.is_running


def working(node: DOMNode, group: str) -> bool:
    """A worker `node` started in `group` has not finished yet (pending or running)."""
    return any(
        worker.node is node and worker.group == group and not worker.is_finished
        for worker in node.app.workers
    )
