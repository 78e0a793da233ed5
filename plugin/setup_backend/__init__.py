"""Setting up the backend's Python environment from PyPI wheels (Qt-free): :mod:`.installer` does
it, :mod:`.profiles` says what each profile installs, :mod:`.paths` where it goes."""
