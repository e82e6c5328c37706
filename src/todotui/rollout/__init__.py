"""Blue-green rollout state, shift plans, guards and rollback. No Textual."""
