"""todotui: the on-call engineer's terminal cockpit for a serverless Todo application."""

__version__ = "0.1.0"
