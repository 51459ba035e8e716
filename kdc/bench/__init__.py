"""Package of the kdc-bench command."""
