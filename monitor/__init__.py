"""courtesy: an offline courtesy monitor for service counters."""
