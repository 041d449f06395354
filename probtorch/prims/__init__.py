"""Every primitive with its derivative rules, by family (elementwise, reduce, shape, linalg)."""
