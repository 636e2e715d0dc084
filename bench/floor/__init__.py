"""The floor bench/ceiling.py divides by: apps on the same stack doing the least (not benchmarks
themselves, so `make bench` does not run them)."""
