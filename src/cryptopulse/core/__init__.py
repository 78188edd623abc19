"""What every layer shares: the interval and batch types, the dataset contracts, settings,
the run record and the error kinds. It imports nothing else of cryptopulse: the sources'
settings classes come from the plugins of the ``cryptopulse.sources`` entry-point group."""
