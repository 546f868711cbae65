"""The runner: preflight, snapshot, phases, restore. Knows neither pytest nor the CLI."""
