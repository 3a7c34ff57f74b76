"""Autofixes: the rules' findings turned into libcst rewrites of the project's source.

``model`` is the schema (light: findings and renderers import it); the fixers of each rule
and the code that plans and applies them import libcst and run only where fixes are made.
"""
