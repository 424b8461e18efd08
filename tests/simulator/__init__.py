"""A vendor simulator for actiongate.agents (see README.md in this folder)."""
