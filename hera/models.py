"""Hera has no models of its own; this module makes `migrate` send post_migrate for it (see hera.apps)."""
