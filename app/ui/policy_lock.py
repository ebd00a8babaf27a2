"""How a window shows a setting the administrator's policy decides: the control shows the value the
policy forces, is disabled, and says who locked it and why. The user's own setting is left as it
was, so it counts again once the policy is lifted."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QWidget

from app.core.privacy import policy
from app.core.privacy.policy import Policy
from app.ui.safe_text import tip

# The value a locked setting has in force, whatever the user chose.
LOCKED_VALUES = {"offline": True, "cloud_allowed": False, "redact": True}


def locks(rules: Policy) -> dict[str, str]:
    """The settings the policy decides, by name, each with what it decides in words."""
    found = {}
    if rules.force_offline:
        found["offline"] = "Enclave stays offline on this computer"
    if policy.overrides("cloud_allowed", True, rules):
        found["cloud_allowed"] = "cloud and remote providers are not allowed"
    if rules.force_redaction:
        found["redact"] = "redaction is always on"
    return found


def note(rules: Policy, decided: Iterable[str]) -> str:
    """``Locked by Example IT: redaction is always on.``; "" when nothing is decided."""
    decided = list(decided)
    return f"Locked by {rules.locked_by}: " + "; ".join(decided) + "." if decided else ""


def lock(widget: QWidget, rules: Policy, decided: str) -> None:
    """Disable ``widget`` with the reason as its tooltip (set its locked value first)."""
    widget.setEnabled(False)
    widget.setToolTip(tip(note(rules, [decided])))
