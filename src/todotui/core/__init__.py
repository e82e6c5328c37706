"""What lives as long as the process, with no Textual: `cockpit.Cockpit` and its parts.

Kept import-light (no re-exports): `todotui.core.clock` or `.cadence` must not pull in
aiobotocore for a caller that only needs time or cadence steps.
"""
