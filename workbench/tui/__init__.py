"""The Textual workbench (`workbench` without a command). Only this package imports Textual."""
