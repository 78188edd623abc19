"""What every layer shares: the interval and batch types, the dataset contracts, settings,
the run record and the error kinds. It imports nothing else of cryptopulse, except that
``load_settings`` asks the sources' registry, by module name, for their settings classes."""
