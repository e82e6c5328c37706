"""Reports built from what AWS answered: the morning check, the weekly review, investigations,
the incident timeline and its post-mortem draft.

Pure, like telemetry/ and alerts/: the shapes AWS answers in (TypedDicts), the judgements made
on them and the documents made from them. aws/ fetches into these shapes, core/ orchestrates,
ui/ and verbs/ render.
"""
