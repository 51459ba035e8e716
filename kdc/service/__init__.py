"""Package of the kdcd command."""
