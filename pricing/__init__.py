"""Qt-free pricing engine: catalog, model matching and cost math."""
