"""Pure telemetry: the metric catalogue (shared with the sandbox), the shapes of AWS answers,
series buffers, derived figures, health, staleness, panes and resource facts. No IO, no Textual."""
