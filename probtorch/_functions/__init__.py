"""Composed functions behind the probtorch.* namespace."""
