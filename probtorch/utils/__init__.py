"""Developer utilities (parity report against torch)."""
