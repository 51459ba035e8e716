"""The KDC: exchange logic (pure), principal store, master key token, services, admin tool."""
