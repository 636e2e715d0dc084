"""Benchmarks that run the app for real (uvicorn, HTTP, a fresh database); see vote_storm.py."""
