"""Real, local stand-ins for the outside world (servers on 127.0.0.1), shared by tests and benchmarks."""
