"""Pure telemetry: series buffers, derived figures, health and staleness. No IO, no Textual."""
