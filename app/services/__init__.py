"""Use cases. They talk to the ports of ``ports.py``; no SQL, no HTTP."""
