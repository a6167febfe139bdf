"""One module per subcommand, each with a `run(...) -> int` returning the exit status."""
