"""Revision files (a package only so that it is installed with the code)."""
