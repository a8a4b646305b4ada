"""The probe: softflowd's argv, the quiet-link preload and softflowctl statistics."""
