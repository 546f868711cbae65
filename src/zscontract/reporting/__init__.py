"""Reporters: turn a RunResult into files and terminal output. They never judge."""
