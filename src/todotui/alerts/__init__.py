"""Pure alerts: the model, the one alert store, alarm transitions, log summaries, breach and
connection alerts. No IO, no Textual."""
