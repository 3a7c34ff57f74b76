"""Observers of the evaluation: each builds, from evaluator events, the facts one family of
rules reads (attribute reads, page walking, job following, age limits)."""
