"""Qt-free log reading: sources, formats, detection and normalisation."""
