"""Rich renderings for the terminal outside the cockpit (the headless verbs' tables)."""
