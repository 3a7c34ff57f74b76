"""A local server that behaves as the Dokeos API V2, strictly, and reports what breaks it."""
