"""What the domain runs on: storage backends, the worker, the simulated web, the CLI and deploy files."""
