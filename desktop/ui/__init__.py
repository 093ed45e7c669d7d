"""The Qt desktop app: thin views over the Qt-free core (desktop.store, pricing)."""
