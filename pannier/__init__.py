"""The process entry point: the one package that imports both the TUI and the headless core."""
