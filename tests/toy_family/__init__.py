"""A family that lives outside the package: the plug-in test's (tests/test_families.py)."""
