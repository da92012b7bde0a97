"""The demo: a directory of services (some real organisations, public facts only) and a fictional caseload.

Loaded by `navigator seed`; never part of a real deployment's data.
"""
