"""The spanflow command line: one module per subcommand group."""
