"""Commission: a seminar's simulated US-China bilateral commission on frontier technology."""
