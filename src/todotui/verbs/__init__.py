"""Headless verbs (`todotui check`, `todotui review`): the cockpit's core without the cockpit.

Each verb parses its flags before anything connects, runs on a `Cockpit`, prints a table (rich,
from ui/text/) or JSON, and says with its exit code what it found.
"""
