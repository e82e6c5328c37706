"""Pure alert model: sources, severities, de-duplication. No IO, no Textual."""
