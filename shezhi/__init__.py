"""社智 shezhi — community development and governance platform."""

__version__ = "0.1.0"
