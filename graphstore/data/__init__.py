"""Data files shipped with mofkg: the demo catalogue and fixed queries."""
