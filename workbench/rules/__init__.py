"""Rules, one module per concern; `registry.all_rules()` imports every module here (importing registers)."""
