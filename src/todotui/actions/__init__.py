"""Remediation: validate -> plan -> confirm -> execute -> verify -> journal -> undo. No Textual."""
