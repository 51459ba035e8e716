"""Package of the kdcadmin command."""
